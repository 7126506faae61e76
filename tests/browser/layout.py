"""The layout check: on a page as a person sees it, no label or control is drawn over another, and
nothing runs past the right edge of the screen except inside a box that scrolls on purpose.

:func:`open_everything` opens every tab and accordion of a page, one after another, in the one load,
and runs :data:`LAYOUT_PROBLEMS` in each state; :func:`check_layout` fails naming the page, the
screen size and the two elements (their text or their label).
"""

from __future__ import annotations

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
SIZES = {"phone 390×844": PHONE, "laptop 1366×900": LAPTOP}

#: Everything a person reads or uses, compared box with box. A label's box is where its text is drawn
#: (a fixed-width label whose text runs on over its control is caught by its text, not its box).
LAYOUT_PROBLEMS = r"""(root) => {
  const W = document.documentElement.clientWidth, problems = [];
  const THINGS = 'label, .widget-label, .widget-label-basic, input:not([type=hidden]), select, textarea, button, '
               + '.jupyter-button, .widget-html-content h2, .widget-html-content h3, .widget-html-content p, '
               + 'th, td, img, svg.orb-svg, .lm-TabBar-tab, .jupyter-widget-Collapse-header';
  const visible = el => {
    if (!el.getClientRects().length) return false;
    for (let a = el; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
    }
    return true;
  };
  const name = el => {
    const aria = el.getAttribute('aria-label') || el.getAttribute('title') || '';
    const text = (el.innerText || el.value || el.placeholder || el.getAttribute('alt') || '').trim();
    const what = el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].slice(0, 2).join('.') : '');
    return `${what} "${(text || aria).replace(/\s+/g, ' ').slice(0, 50)}"`;
  };
  // Where the thing is drawn: for text, the text itself (it may overflow its box); else the box.
  const rectOf = el => {
    const box = el.getBoundingClientRect();
    const texty = el.matches('label, .widget-label, .widget-label-basic, p, h2, h3, th, td');
    if (!texty || !el.textContent.trim()) return box;
    const range = document.createRange();
    range.selectNodeContents(el);
    const t = range.getBoundingClientRect();
    if (!t.width) return box;
    return {left: Math.min(box.left, t.left), right: Math.max(box.right, t.right),
            top: Math.min(box.top, t.top), bottom: Math.max(box.bottom, t.bottom), width: 1, height: 1};
  };
  // What a box that hides its overflow lets show of a thing: a thing clipped away entirely (a table's
  // header kept for screen readers only, say) is not on screen; one cut in part is cut off.
  const clipped = (el, r) => {
    let {left, right, top, bottom} = r;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      const clipX = s.overflowX !== 'visible', clipY = s.overflowY !== 'visible';
      if (!clipX && !clipY && s.clip === 'auto') continue;
      const c = a.getBoundingClientRect();
      if (clipX || s.clip !== 'auto') { left = Math.max(left, c.left); right = Math.min(right, c.right); }
      if (clipY || s.clip !== 'auto') { top = Math.max(top, c.top); bottom = Math.min(bottom, c.bottom); }
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') break;  // a scroll box: reported on its own
    }
    return {left, right, top, bottom};
  };
  const items = [];
  for (const el of document.querySelectorAll(root + ' ' + THINGS.split(', ').join(', ' + root + ' '))) {
    if (!visible(el)) continue;
    const whole = rectOf(el), r = clipped(el, whole);
    if (r.right - r.left < 2 || r.bottom - r.top < 2) continue;
    if (el.matches('label, .widget-label, .widget-label-basic, button, th, td, p') && r.right < whole.right - 2)
      problems.push(`${name(el)} is cut off at its right (${Math.round(whole.right - r.right)} px hidden)`);
    items.push({el, r});
  }
  // 1. Past the right edge (or the left): a person would have to scroll the page sideways to read it.
  for (const {el, r} of items) {
    if (r.right > W + 1 || r.left < -1)
      problems.push(`${name(el)} runs past the ${r.left < -1 ? 'left' : 'right'} edge `
                    + `(${Math.round(r.left)}–${Math.round(r.right)} px of ${W})`);
  }
  // A box that scrolls sideways: a chart or table must fit the screen it is on (a table becomes cards).
  for (const el of document.querySelectorAll(root + ' *')) {
    if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.tagName === 'INPUT') continue;
    const s = getComputedStyle(el);
    if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1 && visible(el))
      problems.push(`${name(el)} scrolls sideways`);
  }
  // 2. Two things drawn over each other (one inside the other in the page, as a box in its label, is fine).
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x <= 2 || y <= 2) continue;
      // a table's cells are drawn edge to edge; their borders touch by design
      const table = a.el.closest('table');
      if (table && table === b.el.closest('table') && a.el.matches('th, td') && b.el.matches('th, td')) continue;
      problems.push(`${name(a.el)} overlaps ${name(b.el)}`);
    }
  }
  return [...new Set(problems)];
}"""

#: Open the next tab or accordion not yet opened, deepest first (so a tab's own accordions are all
#: opened before the next tab is chosen). Returns its name, or null when every one has been opened;
#: marks it ``data-orb-open-me`` when it is closed, for a real click (Lumino tabs switch on pointer events).
OPEN_NEXT = r"""(root) => {
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const depth = el => { let d = 0; for (let a = el; a; a = a.parentElement) d++; return d; };
  const openers = [...document.querySelectorAll(`${root} .lm-TabBar-tab, ${root} .jupyter-widget-Collapse-header`)]
    .filter(el => visible(el) && !el.hasAttribute('data-orb-opened'));
  if (!openers.length) return null;
  openers.sort((a, b) => depth(b) - depth(a));
  const el = openers[0];
  el.setAttribute('data-orb-opened', '');
  const open = el.matches('.lm-TabBar-tab') ? el.classList.contains('lm-mod-current')
                                            : el.parentElement.classList.contains('jupyter-widget-Collapse-open');
  if (!open) el.setAttribute('data-orb-open-me', '');
  return (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 60);
}"""


#: Where a page's content is: a served workbook page's ``#orb-main``, a packet's or the index's ``main``.
SERVED = "#orb-main"


def layout_problems(page, opened: str = "as it opens", root: str = SERVED) -> list[str]:
    """The layout problems of the page in its present state, each saying where it was seen."""
    return [f"{problem} (with {opened})" for problem in page.evaluate(LAYOUT_PROBLEMS, root)]


def open_everything(page, settle, root: str = SERVED) -> list[str]:
    """Open every tab and accordion of the page in turn, checking the layout in each state.

    ``settle(page)`` waits until what the last opening drew is on screen. Returns every problem seen."""
    problems = layout_problems(page, root=root)
    for _ in range(400):  # a page has far fewer tabs and accordions than this
        opened = page.evaluate(OPEN_NEXT, root)
        if opened is None:
            return problems
        closed = page.locator("[data-orb-open-me]")
        if closed.count():
            closed.first.click()
            closed.first.evaluate("el => el.removeAttribute('data-orb-open-me')")
        settle(page)
        problems += [
            p
            for p in layout_problems(page, f'"{opened}" open', root)
            if p.split(" (with ")[0] not in {q.split(" (with ")[0] for q in problems}
        ]
    raise AssertionError("the page keeps showing new tabs or accordions to open")


def check_layout(page, where: str, size: str, settle, root: str = SERVED) -> None:
    """Fail naming ``where`` and ``size`` and the elements drawn over each other or past the edge."""
    problems = open_everything(page, settle, root)
    shown = "\n  ".join(problems[:40])
    more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
    assert not problems, f"{where} at {size}: {len(problems)} layout problems:\n  {shown}{more}"
