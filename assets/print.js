// Print pages: the Print button, and the counter page that prints each confirmed order's
// kitchen ticket. The counter asks for new tickets every few seconds; a browser started with
// --kiosk-printing prints them without a dialog.
(function () {
  document.addEventListener('click', function (e) {
    if (e.target.closest('[data-print-now]')) window.print();
  });
  var counter = document.querySelector('[data-print-queue]');
  if (!counter) return;
  var after = counter.getAttribute('data-after') || '0';
  var area = document.getElementById('print-area');
  var printed = document.getElementById('printed');
  var done = [];
  function poll() {
    fetch(counter.getAttribute('data-print-queue') + '?after=' + encodeURIComponent(after), {
      headers: { accept: 'application/json' }, credentials: 'same-origin'
    }).then(function (r) {
      if (!r.ok) throw new Error('status ' + r.status);
      return r.json();
    }).then(function (q) {
      after = String(q.after);
      q.tickets.forEach(function (t) {
        area.innerHTML = t.html;
        window.print();
        done.push('#' + t.number);
      });
      if (done.length) printed.textContent = done.slice(-10).join(', ');
    }).catch(function () {
      printed.textContent = 'cannot reach Novi; trying again';
    }).then(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
