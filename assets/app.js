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
// conversation changed (data-live-phone limits it to one conversation). One fetch at a time per
// region, and a change during a fetch fetches again after it, so an older answer never lands
// over a newer one and the last change is always shown. What is new is said to screen readers
// through the page's status region (#announcer).

// The newest thing a region shows: the last message from the other side in a thread, or
// the top row of the conversation list. Order lists announce their own way (newOrder).
const newest = (region) => {
  if (region.getAttribute("data-live-kind") === "order") return "";
  const said = region.querySelectorAll(".bubble.theirs");
  const top = said.length ? said[said.length - 1] : region.querySelector("tbody tr");
  return top ? top.innerText.replace(/\s+/g, " ").trim().slice(0, 200) : "";
};
const announce = (text) => {
  const out = document.getElementById("announcer");
  if (out) out.textContent = text;
};

// A new order: said to screen readers, counted in the tab's title until someone comes back to
// the tab or touches the page, and chimed when the sound switch is on.
const soundKey = "novi.sound";
const soundOn = () => { try { return localStorage.getItem(soundKey) === "on"; } catch (_) { return false; } };
const chime = () => {
  const src = document.body.getAttribute("data-chime");
  if (src && soundOn()) new Audio(src).play().catch(() => {});
};
const unseen = { count: 0, title: document.title };
const showUnseen = () => {
  document.title = unseen.count ? "(" + unseen.count + ") " + unseen.title : unseen.title;
};
const seen = () => { if (unseen.count) { unseen.count = 0; showUnseen(); } };
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") seen(); });
document.addEventListener("pointerdown", seen);
document.addEventListener("keydown", seen);
const newOrder = (number) => {
  announce("New order #" + number);
  unseen.count += 1;
  showUnseen();
  chime();
};

// The sound switch: a button that says whether the chime is on, remembered in this browser.
// Turning it on plays the chime once, which is also the click browsers want before sound.
document.querySelectorAll("[data-sound-switch]").forEach((button) => {
  const show = () => {
    const on = soundOn();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Sound on" : "Sound off";
  };
  button.hidden = false;
  show();
  button.addEventListener("click", () => {
    try { localStorage.setItem(soundKey, soundOn() ? "off" : "on"); } catch (_) {}
    show();
    chime();
  });
});

const liveRefresh = (() => {
  const state = new WeakMap();
  const refresh = async (region) => {
    const s = state.get(region) || { busy: false, again: false };
    state.set(region, s);
    if (s.busy) { s.again = true; return; }
    s.busy = true;
    try {
      do {
        s.again = false;
        const res = await fetch(region.getAttribute("data-live-src"), { credentials: "same-origin" });
        if (res.ok) {
          const before = newest(region);
          region.innerHTML = await res.text();
          const after = newest(region);
          if (after && after !== before) announce("New message: " + after);
          region.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
        }
      } while (s.again);
    } catch (_) {
      // The network dropped: the next event, or the stream reopening, fetches again.
    } finally {
      s.busy = false;
    }
  };
  const regions = [...document.querySelectorAll("[data-live-src]")];
  const orderRegions = regions.filter((r) => r.getAttribute("data-live-kind") === "order");
  const chatRegions = regions.filter((r) => r.getAttribute("data-live-kind") !== "order");
  const stream = document.body.getAttribute("data-live-events");
  const listening = regions.length || document.querySelector("[data-sound-switch]");
  if (listening && stream && window.EventSource) {
    const events = new EventSource(stream);
    const all = () => regions.forEach(refresh);
    // After the stream drops and reopens, anything said meanwhile was missed: fetch it all.
    let opened = false;
    events.addEventListener("open", () => {
      if (opened) all();
      opened = true;
      document.body.setAttribute("data-live-open", "");
    });
    events.addEventListener("error", () => document.body.removeAttribute("data-live-open"));
    events.addEventListener("resync", all);
    events.addEventListener("conversation", (event) => {
      chatRegions.forEach((region) => {
        const phone = region.getAttribute("data-live-phone");
        if (!phone || event.data === "*" || event.data === phone) refresh(region);
      });
    });
    events.addEventListener("order", (event) => {
      orderRegions.forEach(refresh);
      const [how, number] = event.data.split(" ");
      if (how === "new") newOrder(number);
    });
  }
  return refresh;
})();

// A reply form marked data-send-inline (the simulator) sends without leaving the page: the
// thread comes back with the message in it, the box is emptied for the next one, and the
// answer arrives through the live region. Should anything go wrong, the form is posted the
// ordinary way, so the page shows what happened.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.hasAttribute("data-send-inline") || event.defaultPrevented) return;
  event.preventDefault();
  const box = form.querySelector("textarea");
  const thread = form.parentElement.querySelector("[data-live-src]");
  const button = form.querySelector("button");
  button.disabled = true;
  const before = newest(thread);
  try {
    const res = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Novi-Fragment": "1" },
      body: new URLSearchParams(new FormData(form)),
    });
    if (!res.ok) throw new Error(res.status);
    thread.innerHTML = await res.text();
    const after = newest(thread);
    if (after && after !== before) announce("New message: " + after);
    thread.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
    box.value = "";
    box.focus();
    liveRefresh(thread);
  } catch (_) {
    form.removeAttribute("data-send-inline");
    form.submit();
  } finally {
    button.disabled = false;
  }
});

// Enter sends from a reply box marked data-send-inline; Shift+Enter starts a new line.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Enter" || event.shiftKey || box.tagName !== "TEXTAREA") return;
  const form = box.closest("form[data-send-inline]");
  if (form && box.value.trim()) { event.preventDefault(); form.requestSubmit(); }
});

// Keep a chat thread scrolled to its newest message.
(() => {
  const scroll = () => document.querySelectorAll(".thread").forEach((t) => { t.scrollTop = t.scrollHeight; });
  scroll();
  document.addEventListener("live:updated", scroll);
})();

// Polled regions: an element with data-poll is re-fetched every two seconds (the QR code for
// linking a phone, which WhatsApp replaces as it goes; a test message's light). A fragment
// marked data-done means the wait is over: the page reloads to show what changed; one marked
// data-final is the last word, and polling stops.
(() => {
  document.querySelectorAll("[data-poll]").forEach((region) => {
    const tick = async () => {
      const res = await fetch(region.getAttribute("data-poll"), { credentials: "same-origin" });
      if (!res.ok) return;
      region.innerHTML = await res.text();
      if (region.querySelector("[data-done]")) window.location.reload();
      else if (!region.querySelector("[data-final]")) setTimeout(tick, 2000);
    };
    setTimeout(tick, 2000);
  });
})();

// A button with data-copy="ID" copies the text of the field with that id. The field is
// read-only and can be selected by hand, so this is only a shortcut.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.getAttribute("data-copy"));
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = "Copied";
  } catch (_) {
    field.select();
  }
});

// A number field with data-customer-lookup fills in a known customer's name and address when
// the number is complete, where those fields are still empty (never over what was typed).
document.addEventListener("change", async (event) => {
  const input = event.target;
  const url = input.getAttribute && input.getAttribute("data-customer-lookup");
  if (!url || !input.value.trim()) return;
  const res = await fetch(url + "?phone=" + encodeURIComponent(input.value), { credentials: "same-origin" });
  if (!res.ok) return;
  const known = await res.json();
  if (!known) return;
  for (const name of ["name", "address"]) {
    const field = input.form.elements[name];
    if (field && !field.value.trim() && known[name]) {
      field.value = known[name];
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
});

// The undo offer on an order's page goes away when its time is up (the server would refuse).
document.querySelectorAll("form.undo[data-expires-in]").forEach((form) => {
  const seconds = Number(form.getAttribute("data-expires-in"));
  setTimeout(() => form.remove(), Math.max(0, seconds) * 1000);
});
