// Prospector web app: light progressive enhancement. Every action is a plain form that works
// without this file; here the review queue gets keyboard shortcuts (j/k move between drafts,
// a approves, e edits, r rejects, Esc leaves a field). No inline script: the CSP forbids it.
(function () {
  'use strict';
  function drafts() { return Array.prototype.slice.call(document.querySelectorAll('article.draft')); }
  var current = -1;
  function select(index, stay) {
    var all = drafts();
    if (all.length === 0) return;
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (d, i) { d.classList.toggle('current', i === current); });
    all[current].focus({ preventScroll: !!stay });
    if (!stay) all[current].scrollIntoView({ block: 'nearest' });
  }
  function currentDraft() {
    var all = drafts();
    var focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('article.draft') : null;
    if (focused) current = all.indexOf(focused);
    if (current < 0 && all.length) select(0);
    return all[current] || null;
  }
  function typing(el) {
    return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
  }
  // Single-key shortcuts can be turned off (WCAG 2.1.4): screen readers use the same keys.
  var STORE = 'prospector.shortcuts';
  function shortcutsOn() {
    var box = document.getElementById('shortcuts-on');
    return !box || box.checked;
  }
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !shortcutsOn()) return;
    if (event.key === 'Escape' && typing(event.target)) {
      var draft = event.target.closest('article.draft') || drafts()[current];
      event.target.blur();
      if (draft) draft.focus();
      return;
    }
    if (typing(event.target) || drafts().length === 0) return;
    var d;
    switch (event.key) {
      case 'j': select(current + 1); break;
      case 'k': select(current - 1); break;
      case 'a':
        d = currentDraft();
        var approve = d && d.querySelector('form.approve');
        if (!approve) return;
        var why = approve.querySelector('input[name="reason"]');
        if (why && !why.value.trim()) why.focus(); else approve.requestSubmit();
        break;
      case 'e':
        d = currentDraft();
        var edit = d && d.querySelector('details.edit');
        if (!edit) return;
        edit.open = true;
        edit.querySelector('textarea').focus();
        break;
      case 'r':
        d = currentDraft();
        var reject = d && d.querySelector('form.reject input[name="reason"]');
        if (reject) reject.focus();
        break;
      default: return;
    }
    event.preventDefault();
  });
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('shortcuts-on');
    if (box) {
      try { box.checked = localStorage.getItem(STORE) !== 'off'; } catch (e) { /* storage blocked: keep the default */ }
      box.addEventListener('change', function () {
        try { localStorage.setItem(STORE, box.checked ? 'on' : 'off'); } catch (e) { /* not remembered */ }
      });
    }
    // After an action the queue reloads: start on the draft named in the address, or the one whose
    // action was refused (its reason is in its card), in view; else on the first, where the page
    // stands, so that the notice or error at the top stays in sight.
    var all = drafts();
    if (!all.length) return;
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    var refusedAt = document.querySelector('article.draft .error');
    if (refusedAt) target = refusedAt.closest('article.draft');
    var at = target ? all.indexOf(target) : -1;
    if (at >= 0) select(at); else select(0, true);
  });
})();
