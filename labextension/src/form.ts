/** Pieces of taskbook's dialog forms. */

/** A labelled row of a dialog form. */
export function field(label: string, control: HTMLElement): HTMLLabelElement {
  const row = document.createElement('label');
  const text = document.createElement('span');
  text.textContent = label;
  row.append(text, control);
  return row;
}
