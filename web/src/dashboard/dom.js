// h builds a DOM element: h('td', { class: 'num', dataset: { value: 3 } }, '3'). Text is
// always inserted as text, never parsed as HTML, so nothing the API returns can inject
// markup into the page.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A scrollable wrapper for a wide table: focusable, so that keyboard users can scroll it
// on a narrow screen, and named after the table's caption.
export function tableRegion(table, labelId) {
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': labelId }, table);
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}
