// Security keys and passkeys (WebAuthn): the browser's half of the ceremonies in
// postroom/web/views/security_keys.py. Each one asks the server for options, hands them
// to navigator.credentials, and posts the answer back as JSON (binary fields in
// base64url, the form py_webauthn reads). Listeners sit on the document, as pages are
// swapped in by htmx after this script has loaded.
(function () {
  "use strict";

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, { id: toBytes(d.id) }); });
  }

  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
      excludeCredentials: descriptors(o.excludeCredentials),
    });
  }

  function requestOptions(o) {
    return Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      allowCredentials: descriptors(o.allowCredentials),
    });
  }

  function asJSON(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: JSON.stringify(body || {}),
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (!answer.ok) throw new Error(data.error || "The server refused (" + answer.status + ").");
        return data;
      });
    });
  }

  function show(scope, message) {
    var box = scope.querySelector("[data-testid=key-error]");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") return postroomText("key_cancelled", "Cancelled, or no key answered in time.");
    if (error && error.name === "InvalidStateError") return postroomText("key_added_already", "This key is added already.");
    return (error && error.message) || postroomText("key_failed", "Something went wrong with the key.");
  }

  // Settings sends back to itself (with the new key and any recovery codes): a change of
  // the #fragment alone would not load the page again.
  function go(url) {
    var target = new URL(url, window.location.href);
    var here = window.location;
    if (target.pathname === here.pathname && target.search === here.search) {
      here.hash = target.hash;
      here.reload();
    } else {
      here.assign(target.href);
    }
  }

  function run(trigger, scope, ceremony) {
    if (trigger.disabled) return;
    trigger.disabled = true;
    show(scope, "");
    ceremony()
      .then(function (done) { go(done.redirect); })
      .catch(function (error) { trigger.disabled = false; show(scope, explain(error)); });
  }

  function signIn(button) {
    return post(button.dataset.options).then(function (options) {
      return navigator.credentials.get({ publicKey: requestOptions(options) });
    }).then(function (credential) {
      return post(button.dataset.url, { credential: asJSON(credential), next: button.dataset.next || "" });
    });
  }

  function add(form) {
    var name = form.querySelector("input[name=name]").value;
    return post(form.dataset.options).then(function (options) {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }).then(function (credential) {
      return post(form.action, { name: name, credential: asJSON(credential) });
    });
  }

  var supported = !!(window.PublicKeyCredential && navigator.credentials);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-security-key]");
    if (!button) return;
    event.preventDefault();
    var scope = button.parentElement;
    if (!supported) { show(scope, postroomText("keys_unsupported", "This browser cannot use security keys.")); return; }
    run(button, scope, function () { return signIn(button); });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-security-key=add]")) return;
    event.preventDefault();
    var scope = form.parentElement;
    if (!supported) { show(scope, postroomText("keys_unsupported", "This browser cannot use security keys.")); return; }
    run(form.querySelector("button"), scope, function () { return add(form); });
  });
})();
