// Beatbook loader: an external script so that the page needs no inline JavaScript
// (strict CSP: script-src 'self' 'wasm-unsafe-eval').
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
})();
