// Small progressive enhancements; every page works without this file.
"use strict";

// Forms marked data-confirm ask before submitting (disabling a user, cancelling an order).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
