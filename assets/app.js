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

// Live regions: an element with data-live-src is re-fetched when the server says a
// conversation changed (data-live-phone limits it to one conversation).
(() => {
  const regions = document.querySelectorAll("[data-live-src]");
  const stream = document.body.getAttribute("data-live-events");
  if (!regions.length || !stream || !window.EventSource) return;
  const refresh = async (region) => {
    const res = await fetch(region.getAttribute("data-live-src"), { credentials: "same-origin" });
    if (res.ok) {
      region.innerHTML = await res.text();
      region.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
    }
  };
  const events = new EventSource(stream);
  events.addEventListener("conversation", (event) => {
    regions.forEach((region) => {
      const phone = region.getAttribute("data-live-phone");
      if (!phone || event.data === "*" || event.data === phone) refresh(region);
    });
  });
})();

// Keep a chat thread scrolled to its newest message.
(() => {
  const scroll = () => document.querySelectorAll(".thread").forEach((t) => { t.scrollTop = t.scrollHeight; });
  scroll();
  document.addEventListener("live:updated", scroll);
})();

// Polled regions: an element with data-poll is re-fetched every two seconds (the QR code for
// linking a phone, which WhatsApp replaces as it goes). A fragment marked data-done means the
// wait is over: the page reloads to show what changed.
(() => {
  document.querySelectorAll("[data-poll]").forEach((region) => {
    const tick = async () => {
      const res = await fetch(region.getAttribute("data-poll"), { credentials: "same-origin" });
      if (!res.ok) return;
      region.innerHTML = await res.text();
      if (region.querySelector("[data-done]")) window.location.reload();
      else setTimeout(tick, 2000);
    };
    setTimeout(tick, 2000);
  });
})();
