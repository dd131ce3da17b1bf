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
