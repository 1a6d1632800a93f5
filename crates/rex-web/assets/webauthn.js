// rex desk: the WebAuthn ceremonies of login and enrolment, the desk's only script.
// The form posts JSON to /{login,enrol}/options, hands the options to the browser's
// authenticator, and posts its answer to /{login,enrol}/finish; the server sets the session
// cookie and says where to go next.
"use strict";

const b64u = {
  decode(s) {
    const b = atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "="));
    return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
  },
  encode(buf) {
    const bytes = new Uint8Array(buf);
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
};

function creationOptions(o) {
  const pk = o.publicKey;
  pk.challenge = b64u.decode(pk.challenge);
  pk.user.id = b64u.decode(pk.user.id);
  for (const c of pk.excludeCredentials || []) c.id = b64u.decode(c.id);
  return { publicKey: pk };
}

function requestOptions(o) {
  const pk = o.publicKey;
  pk.challenge = b64u.decode(pk.challenge);
  for (const c of pk.allowCredentials || []) c.id = b64u.decode(c.id);
  return { publicKey: pk };
}

function registration(c) {
  return {
    id: c.id,
    rawId: b64u.encode(c.rawId),
    type: c.type,
    extensions: {},
    response: {
      attestationObject: b64u.encode(c.response.attestationObject),
      clientDataJSON: b64u.encode(c.response.clientDataJSON),
    },
  };
}

function assertion(c) {
  return {
    id: c.id,
    rawId: b64u.encode(c.rawId),
    type: c.type,
    extensions: {},
    response: {
      authenticatorData: b64u.encode(c.response.authenticatorData),
      clientDataJSON: b64u.encode(c.response.clientDataJSON),
      signature: b64u.encode(c.response.signature),
      userHandle: c.response.userHandle ? b64u.encode(c.response.userHandle) : null,
    },
  };
}

async function post(path, body) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await r.json().catch(() => ({ message: r.statusText }));
  if (!r.ok) throw new Error(answer.message || r.statusText);
  return answer;
}

async function ceremony(form, status) {
  const kind = form.dataset.ceremony;
  const field = form.querySelector("input") || { value: "" };
  const start = kind === "enrol" ? { code: field.value } : kind === "login" ? { handle: field.value } : {};
  status.textContent = "Asking your authenticator…";
  const { ceremony: id, options } = await post(`/${kind}/options`, start);
  const credential = kind === "enrol"
    ? registration(await navigator.credentials.create(creationOptions(options)))
    : assertion(await navigator.credentials.get(requestOptions(options)));
  const { next } = await post(`/${kind}/finish`, { ceremony: id, credential });
  status.textContent = "Done.";
  window.location.assign(form.dataset.next || next);
}

document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  for (const form of document.querySelectorAll("form.ceremony")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      ceremony(form, status).catch((err) => {
        status.textContent = `Not done: ${err.message}`;
      });
    });
  }
});
