// Registers Beatbook's service worker and reports when a new version is ready.
// External (not inline) so the page works under a strict CSP.
//
// Contract with the app:
//  * window event 'beatbook-update-available' fires once a new version is installed and
//    waiting while this page is controlled by an older one;
//  * window.__beatbookUpdateWaiting === true says the same thing, for code that starts
//    after the event fired;
//  * window.beatbookApplyUpdate() tells the waiting worker to take over; the page then
//    reloads once, on the resulting controllerchange.
(function () {
  'use strict';

  var UPDATE_INTERVAL_MS = 30 * 60 * 1000;
  var VISIBLE_RECHECK_MS = 60 * 1000; // do not re-check more often than this on tab switches

  window.__beatbookUpdateWaiting = false;
  window.beatbookApplyUpdate = function () {
    return false;
  };

  if (!('serviceWorker' in navigator)) {
    return;
  }

  var container = navigator.serviceWorker;
  var registration = null;
  var waitingWorker = null;
  var applyRequested = false;
  var reloading = false;
  var lastCheck = 0;

  function announce(worker) {
    if (waitingWorker === worker) {
      return;
    }
    waitingWorker = worker;
    window.__beatbookUpdateWaiting = true;
    window.dispatchEvent(new CustomEvent('beatbook-update-available'));
  }

  window.beatbookApplyUpdate = function () {
    var worker = (registration && registration.waiting) || waitingWorker;
    if (!worker) {
      return false;
    }
    applyRequested = true;
    worker.postMessage({ type: 'SKIP_WAITING' });
    return true;
  };

  container.addEventListener('controllerchange', function () {
    // The first install's clients.claim() also fires this: only reload on request.
    if (!applyRequested || reloading) {
      return;
    }
    reloading = true;
    window.location.reload();
  });

  function watch(reg) {
    registration = reg;
    if (reg.waiting && container.controller) {
      announce(reg.waiting);
    }
    reg.addEventListener('updatefound', function () {
      var worker = reg.installing;
      if (!worker) {
        return;
      }
      worker.addEventListener('statechange', function () {
        // With no controller this is the first install, not an update.
        if (worker.state === 'installed' && container.controller) {
          announce(worker);
        }
      });
    });
  }

  function checkForUpdate() {
    if (!registration) {
      return;
    }
    lastCheck = Date.now();
    registration.update().catch(function () {
      /* offline or server down: try again later */
    });
  }

  function register() {
    container
      .register('/sw.js', { scope: '/', updateViaCache: 'none' })
      .then(function (reg) {
        watch(reg);
        lastCheck = Date.now();
        setInterval(checkForUpdate, UPDATE_INTERVAL_MS);
        document.addEventListener('visibilitychange', function () {
          if (document.visibilityState === 'visible' && Date.now() - lastCheck > VISIBLE_RECHECK_MS) {
            checkForUpdate();
          }
        });
      })
      .catch(function (err) {
        console.warn('Beatbook: service worker registration failed', err);
      });
  }

  // Register after the load event so the worker's precache downloads do not compete with
  // the first load of the app itself.
  if (document.readyState === 'complete') {
    register();
  } else {
    window.addEventListener('load', register, { once: true });
  }
})();
