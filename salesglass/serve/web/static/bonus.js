// The bonus statement page: the print button (no inline handlers: the CSP allows only our own scripts).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
