// Print pages: the Print button, and the counter page that prints each confirmed order's
// kitchen ticket. The counter listens to the live stream and asks for new tickets as soon as an
// order changes; only while the stream is down does it ask every few seconds instead. A browser
// started with --kiosk-printing prints them without a dialog.
(function () {
  document.addEventListener('click', function (e) {
    if (e.target.closest('[data-print-now]')) window.print();
  });
  var counter = document.querySelector('[data-print-queue]');
  if (!counter) return;
  var FALLBACK_MS = 5000;
  var after = counter.getAttribute('data-after') || '0';
  var area = document.getElementById('print-area');
  var printed = document.getElementById('printed');
  var done = [];
  // One question at a time, so the cursor only moves forward and no ticket prints twice; an
  // event during a question asks again after it, so none is missed.
  var busy = false;
  var again = false;
  var live = false;
  var timer = null;

  // The next question in `ms`; none (null) while the stream says when to ask.
  function later(ms) {
    clearTimeout(timer);
    timer = ms === null ? null : setTimeout(ask, ms);
  }

  function show(q) {
    after = String(q.after);
    q.tickets.forEach(function (t) {
      area.innerHTML = t.html;
      window.print();
      done.push('#' + t.number);
    });
    if (done.length) printed.textContent = done.slice(-10).join(', ');
    // Tickets were held back: the rest now, not at the next event.
    if (q.more) again = true;
  }

  function ask() {
    if (busy) { again = true; return; }
    clearTimeout(timer);
    busy = true;
    again = false;
    counter.setAttribute('aria-busy', 'true');
    var failed = false;
    fetch(counter.getAttribute('data-print-queue') + '?after=' + encodeURIComponent(after), {
      headers: { accept: 'application/json' }, credentials: 'same-origin'
    }).then(function (r) {
      if (!r.ok) throw new Error('status ' + r.status);
      return r.json();
    }).then(show).catch(function () {
      failed = true;
      printed.textContent = 'cannot reach Novi; trying again';
    }).then(function () {
      busy = false;
      if (again && !failed) return ask();
      later(failed || !live ? FALLBACK_MS : null);
      counter.setAttribute('aria-busy', 'false');
    });
  }

  var stream = counter.getAttribute('data-live-events');
  if (stream && window.EventSource) {
    var events = new EventSource(stream);
    // Opening (or reopening after a drop) asks once: whatever was said meanwhile is in the answer.
    events.addEventListener('open', function () {
      live = true;
      counter.setAttribute('data-live-open', '');
      ask();
    });
    events.addEventListener('error', function () {
      live = false;
      counter.removeAttribute('data-live-open');
      if (!busy) later(FALLBACK_MS);
    });
    events.addEventListener('order', ask);
    events.addEventListener('resync', ask);
  }
  ask();
})();
