// The payment page: opens Razorpay Checkout for the order shown, and posts what Checkout hands
// back (payment id, order id, signature) to Novi, which checks the signature itself. A payment
// closed or refused can be tried again from the same button; the order stays either way.
(function () {
  var box = document.getElementById("rzp");
  var done = document.getElementById("rzp-done");
  if (!box || !done) return;
  var button = document.getElementById("rzp-pay");
  var note = document.getElementById("rzp-note");
  function say(text) {
    note.textContent = text;
    note.hidden = false;
  }
  button.hidden = false;
  // checkout.js comes from Razorpay; offline or blocked, there is nothing to open.
  if (typeof window.Razorpay !== "function") {
    button.disabled = true;
    say("Razorpay's payment window could not be loaded. Your order is placed and kept: check your connection and open this page again, or pay when your order arrives.");
    return;
  }
  var d = box.dataset;
  function open() {
    note.hidden = true;
    var checkout = new window.Razorpay({
      key: d.key,
      order_id: d.order,
      amount: Number(d.amount),
      currency: d.currency,
      name: d.shop,
      description: d.description,
      prefill: { name: d.name, contact: d.contact },
      handler: function (r) {
        done.elements.razorpay_payment_id.value = r.razorpay_payment_id || "";
        done.elements.razorpay_order_id.value = r.razorpay_order_id || "";
        done.elements.razorpay_signature.value = r.razorpay_signature || "";
        button.disabled = true;
        say("Payment made. Confirming it with the shop…");
        done.submit();
      },
      modal: {
        ondismiss: function () {
          say("The payment was not finished. Tap the button to try again, or pay when your order arrives.");
        },
      },
    });
    checkout.on("payment.failed", function (r) {
      var why = r && r.error && r.error.description ? " (" + r.error.description + ")" : "";
      say("The payment did not go through" + why + ". Tap the button to try again, or pay when your order arrives.");
    });
    checkout.open();
  }
  button.addEventListener("click", open);
})();
