// The storefront works without this file. With it, the delivery address hides while
// "I will pick it up" is chosen, since a pickup needs none, and the totals above the form
// become those of the way chosen (each choice says its own total without this file).
(function () {
  var form = document.querySelector(".store-checkout-form");
  if (!form) return;
  var address = form.querySelector(".store-address");
  var fee = document.querySelector('[data-shown="fee"]');
  var total = document.querySelector('[data-shown="total"]');
  function sync() {
    var pickup = form.querySelector('input[name="fulfilment"][value="pickup"]');
    address.hidden = !!(pickup && pickup.checked);
    var chosen = form.querySelector('input[name="fulfilment"]:checked');
    if (chosen && fee && total && chosen.dataset.total) {
      fee.textContent = chosen.dataset.fee;
      total.textContent = chosen.dataset.total;
    }
  }
  form.addEventListener("change", sync);
  sync();
})();
