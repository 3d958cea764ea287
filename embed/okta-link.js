/*! okta-link host script, protocol v1. No build step, no dependencies.
 * Opens the Link Account page in an iframe (options.container) or a popup, answers its
 * handshake, sizes the frame to its content, and resolves with the verified connection.
 *
 *   OktaLink.open({ url: "https://link.example.com/", container: el, session: "…",
 *                   org: "acme.okta.com", lang: "de", theme: "dark", state: "…",
 *                   credential: "service_app",
 *                   onVerified(report) {}, onError(kind) {} })
 *     .then((connection) => …)   // { org_url, canonical_host, credential, token | client_id
 *                                //   [, client_secret], report, result }
 *
 * `credential` preselects one of the deployment's credential types (`api_token`,
 * `service_app`, `client_secret`); with a `session` it travels in the session message, without
 * one in the fragment.
 *
 * Update mode (renew an existing connection whose token stopped working): add
 * `mode: "update"` and the connection's `org` (fixed on the page), and optionally `owner`, the
 * previous token owner's Okta user id. With a `session` they travel in the session message;
 * without one, in the page's fragment. `connection.result.update` is then true.
 *     .catch((err) => …);        // err.message: "closed" | "popup_blocked"
 *
 * Messages are accepted only from the page's origin and the window it runs in, and posted only
 * to that origin; the page does the same with its allow-list. The page's `ready` is always
 * answered (`session`, or `hello`): the page sends the connection only to the origin that
 * answered it.
 */
(function (global) {
  'use strict';
  function open(options) {
    var url = new URL(options.url, global.location.href);
    var origin = url.origin;
    var fragment = new URLSearchParams();
    ['org', 'lang', 'theme', 'state'].forEach(function (k) { if (options[k]) fragment.set(k, options[k]); });
    if (options.credential && !options.session) fragment.set('credential', options.credential);
    var update = options.mode === 'update';
    // Update mode without a session goes in the fragment (with one, in the session message).
    if (update && !options.session) {
      fragment.set('mode', 'update');
      if (options.owner) fragment.set('owner', options.owner);
    }
    url.hash = fragment.toString();
    return new Promise(function (resolve, reject) {
      var frame = null, popup = null, timer = null, settled = false;
      function target() { return frame ? frame.contentWindow : popup; }
      function done() {
        global.removeEventListener('message', onMessage);
        if (timer) clearInterval(timer);
      }
      // Closed before connecting rejects; after connecting, the promise has resolved already.
      function closed() {
        done();
        if (frame && options.removeOnClose) frame.remove();
        if (!settled) reject(new Error('closed'));
      }
      function onMessage(e) {
        if (e.origin !== origin || e.source !== target()) return;
        var d = e.data;
        if (!d || d.source !== 'okta-link' || d.v !== 1) return;
        if (d.type === 'ready') {
          // Always answered: the page hands the connection only to the origin that answered.
          var msg = { source: 'okta-link-host', v: 1, type: 'hello' };
          if (options.session) {
            msg = { source: 'okta-link-host', v: 1, type: 'session', session: options.session };
            if (update) { msg.mode = 'update'; msg.org = options.org; if (options.owner) msg.owner = options.owner; }
            if (options.credential) msg.credential = options.credential;
          }
          e.source.postMessage(msg, origin);
        } else if (d.type === 'resize' && frame) {
          frame.style.height = Math.max(0, Number(d.height) || 0) + 'px';
        } else if (d.type === 'verified' && options.onVerified) {
          options.onVerified(d.report);
        } else if (d.type === 'error' && options.onError) {
          options.onError(d.kind);
        } else if (d.type === 'connected' && !settled) {
          // Still listening: the page resizes once more and says `close` when the customer is done.
          settled = true; resolve(d.connection);
        } else if (d.type === 'close') {
          closed();
        }
      }
      global.addEventListener('message', onMessage);
      if (options.container) {
        frame = document.createElement('iframe');
        frame.title = options.title || 'Connect your Okta organization';
        frame.style.cssText = 'display:block;width:100%;border:0;height:32rem';
        // The service app setup's copy buttons write to the clipboard.
        frame.allow = 'clipboard-write';
        frame.src = url.href;
        options.container.appendChild(frame);
      } else {
        popup = global.open(url.href, 'okta-link', 'popup,width=520,height=760');
        if (!popup) { done(); reject(new Error('popup_blocked')); return; }
        timer = setInterval(function () { if (popup.closed) closed(); }, 500);
      }
    });
  }
  global.OktaLink = { open: open, version: 1 };
})(window);
