// After a refused form, move keyboard and screen-reader focus to the message that says why
// (an element marked data-focus-on-load). Without JS the message is still there, as an alert.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-focus-on-load]");
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
