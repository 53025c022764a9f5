// Beatbook loader: an external script so that the page needs no inline JavaScript
// (strict CSP: script-src 'self' 'wasm-unsafe-eval'). It starts the officer app, and loads
// the supervisor review bundle (dist/review/, scripts/build-review.sh) when the app asks.
// Trunk writes this tag through `pattern_script` in Trunk.toml, filling in the names of
// the build's hashed wasm-bindgen glue (data-js) and module (data-wasm).
(function () {
  'use strict';
  var script = document.currentScript;
  var js = script && script.getAttribute('data-js');
  var wasm = script && script.getAttribute('data-wasm');

  function fail(err) {
    console.error('Beatbook failed to start', err);
    document.documentElement.setAttribute('data-beatbook-boot', 'failed');
    if (document.body && !document.getElementById('beatbook-boot-error')) {
      var p = document.createElement('p');
      p.id = 'beatbook-boot-error';
      p.setAttribute('role', 'alert');
      p.textContent = 'Beatbook could not start. Reload the page to try again.';
      document.body.appendChild(p);
    }
  }

  if (!js || !wasm) {
    fail(new Error('boot.js: missing data-js / data-wasm attributes'));
    return;
  }

  import(js)
    .then(function (bindings) {
      return bindings.default({ module_or_path: wasm }).then(function (instance) {
        window.wasmBindings = bindings;
        document.documentElement.setAttribute('data-beatbook-boot', 'started');
        window.dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm: instance } }));
      });
    })
    .catch(fail);

  // --- Supervisor review bundle, on demand -------------------------------------------
  // The app dispatches `beatbook-review-open` with {root, token, officer_id, display_name}
  // after drawing an empty element #root, and `beatbook-review-close` when it leaves.
  // The bundle's names come from review/bundle.json (revalidated: a new build may have
  // replaced them); the bundle itself is never precached, so officers never download it.
  var review = null;

  function loadReview() {
    if (!review) {
      review = fetch('/review/bundle.json', { cache: 'no-cache' })
        .then(function (r) {
          if (!r.ok) throw new Error('review/bundle.json: HTTP ' + r.status);
          return r.json();
        })
        .then(function (b) {
          if (!document.querySelector('link[data-review-css]')) {
            var css = document.createElement('link');
            css.rel = 'stylesheet';
            css.href = b.css;
            css.setAttribute('data-review-css', '');
            document.head.appendChild(css);
          }
          return import(b.js).then(function (m) {
            return m.default({ module_or_path: b.wasm }).then(function () {
              return m;
            });
          });
        });
      // A failed load (no signal) may be retried the next time.
      review.catch(function () {
        review = null;
      });
    }
    return review;
  }

  window.addEventListener('beatbook-review-open', function (event) {
    var d = event.detail || {};
    var root = document.getElementById(d.root);
    if (!root) return;
    loadReview()
      .then(function (m) {
        if (!root.isConnected) return; // the supervisor left before it loaded
        root.textContent = '';
        m.mount(root, d.token, d.officer_id, d.display_name);
      })
      .catch(function (err) {
        console.error('Beatbook review failed to load', err);
        if (!root.isConnected) return;
        root.textContent = '';
        var p = document.createElement('p');
        p.className = 'card';
        p.setAttribute('role', 'alert');
        p.textContent =
          'The review screens could not be loaded: they need a connection to the server. ' +
          'Try again when you have a signal.';
        root.appendChild(p);
      });
  });

  window.addEventListener('beatbook-review-close', function () {
    if (review) {
      review.then(
        function (m) {
          m.unmount();
        },
        function () {},
      );
    }
  });
})();
