// The embed snippet a council puts on its own site:
//   <script src="https://chat.council.example/widget.js" data-council="riverbend-web" async></script>
// It adds a "Chat with us" button; the button opens the chat in a frame served by this engine
// (so the chat's strict CSP and its session stay with the engine) and closes it again.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || document.getElementById('switchboard-launcher')) return;
  var origin = new URL(script.src, location.href).origin;
  var council = script.getAttribute('data-council') || '';
  var label = script.getAttribute('data-label') || 'Chat with us';

  var frame = document.createElement('iframe');
  frame.id = 'switchboard-chat';
  frame.title = 'Chat with the council';
  frame.src = origin + '/webchat/embed' + (council ? '?council=' + encodeURIComponent(council) : '');
  frame.setAttribute('allow', 'geolocation');
  frame.hidden = true;
  var frameStyle = frame.style;
  frameStyle.position = 'fixed'; frameStyle.right = '16px'; frameStyle.bottom = '80px'; frameStyle.zIndex = '2147483646';
  frameStyle.width = 'min(400px, calc(100vw - 32px))'; frameStyle.height = 'min(640px, calc(100vh - 112px))';
  frameStyle.border = '1px solid #d0d7de'; frameStyle.borderRadius = '12px'; frameStyle.background = '#fff';
  frameStyle.boxShadow = '0 8px 24px rgba(0,0,0,.2)';

  var button = document.createElement('button');
  button.id = 'switchboard-launcher';
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', frame.id);
  var buttonStyle = button.style;
  buttonStyle.position = 'fixed'; buttonStyle.right = '16px'; buttonStyle.bottom = '16px'; buttonStyle.zIndex = '2147483647';
  buttonStyle.minHeight = '48px'; buttonStyle.padding = '0 20px'; buttonStyle.borderRadius = '24px';
  buttonStyle.border = '2px solid #fff'; buttonStyle.background = '#005ea5'; buttonStyle.color = '#fff';
  buttonStyle.font = '600 16px system-ui, sans-serif'; buttonStyle.cursor = 'pointer';
  buttonStyle.boxShadow = '0 4px 12px rgba(0,0,0,.25)';

  function toggle(open) {
    frame.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Close chat' : label;
    if (open) frame.focus();
  }
  button.addEventListener('click', function () { toggle(frame.hidden); });
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape' && !frame.hidden) { toggle(false); button.focus(); } });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
