// Keyboard annotation: keys 1–8 toggle the labels, Enter saves. Without JS the form works as is.
document.addEventListener("keydown", (event) => {
  const form = document.getElementById("annotate-form");
  if (!form || event.altKey || event.ctrlKey || event.metaKey) return;
  const box = form.querySelector(`input[data-key="${event.key}"]`);
  if (box) {
    box.checked = !box.checked;
    event.preventDefault();
  } else if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
    form.requestSubmit();
    event.preventDefault();
  }
});
