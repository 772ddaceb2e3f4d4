// After a refused form, move keyboard and screen-reader focus to the message that says why
// (an element marked data-focus-on-load). Without JS the message is still there, as an alert.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-focus-on-load]");
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
});

// A table wider than the screen scrolls sideways inside itself; make it reachable with the
// keyboard (arrow keys scroll it), named by the heading before it.
function reachableTables() {
  document.querySelectorAll("table").forEach((table) => {
    const scrolls = table.scrollWidth > table.clientWidth;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.setAttribute("tabindex", "0");
      const heading = table.previousElementSibling;
      if (!table.hasAttribute("aria-label") && heading && /^H[1-6]$/.test(heading.tagName)) {
        table.setAttribute("aria-label", heading.textContent.trim());
      }
    }
  });
}
document.addEventListener("DOMContentLoaded", reachableTables);
window.addEventListener("resize", reachableTables);
