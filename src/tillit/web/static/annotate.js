// Keyboard annotation: keys 1–8 toggle the labels, Enter saves. Without JS the form works as is.
// Only keys meant for the annotation are taken: Enter on a link, a button or another form's
// field does what it always does, and typing in a text field is never a label key.
document.addEventListener("keydown", (event) => {
  const form = document.getElementById("annotate-form");
  if (!form || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  const typing = target.closest("input:not([type=checkbox]), textarea, select, [contenteditable]");
  if (typing) return;
  const box = form.querySelector(`input[data-key="${event.key}"]`);
  if (box) {
    box.checked = !box.checked;
    event.preventDefault();
    return;
  }
  const ours = target === document.body || (form.contains(target) && target.tagName !== "BUTTON");
  if (event.key === "Enter" && ours) {
    form.requestSubmit();
    event.preventDefault();
  }
});
