// The storefront works without this file. With it, the delivery address hides while
// "I will pick it up" is chosen, since a pickup needs none.
(function () {
  var form = document.querySelector(".store-checkout-form");
  if (!form) return;
  var address = form.querySelector(".store-address");
  function sync() {
    var pickup = form.querySelector('input[name="fulfilment"][value="pickup"]');
    address.hidden = !!(pickup && pickup.checked);
  }
  form.addEventListener("change", sync);
  sync();
})();
