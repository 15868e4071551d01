// A build's page while the build waits or runs: asks the server every few seconds
// whether it has finished, and then shows the finished page. The status box is a live
// region, so a screen reader hears when the build moves on. Without JavaScript the page
// has a link to check again.
'use strict';
(() => {
  const box = document.getElementById('build-status');
  if (!box) return;
  let status = box.dataset.buildStatus;
  const ask = () => {
    fetch(window.location.href, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((build) => {
        if (!build) return;
        if (build.finished) {
          window.location.reload();
          return;
        }
        if (build.status !== status) {
          status = build.status;
          box.querySelector('strong').textContent = `${build.status_label}.`;
        }
      })
      .catch(() => {})
      .finally(() => window.setTimeout(ask, 2000));
  };
  window.setTimeout(ask, 1000);
})();
