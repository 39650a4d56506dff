/**
 * Stripe's v1 request bodies: `application/x-www-form-urlencoded` with bracketed keys, as the official SDKs send
 * them (`metadata[order]=7`, `payment_method_types[0]=card`, `payment_method_data[card][token]=tok_visa`; curl's
 * `payment_method_types[]=card` too): https://docs.stripe.com/api ("accepts form-encoded request bodies").
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

function segments(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const rest = [...key.slice(first).matchAll(/\[([^\]]*)\]/g)].map((match) => match[1] as string);
  return [key.slice(0, first), ...rest];
}

// Objects whose keys are all indices (`[0]`, `[1]`, or `[]` pushes) are arrays.
function arrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((key) => [key, arrays(value[key] as FormValue)]));
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key)))
    return keys.sort((a, b) => Number(a) - Number(b)).map((key) => converted[key] as FormValue);
  return converted;
}

export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = segments(key);
    let node: FormObject = root;
    path.forEach((segment, index) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (index === path.length - 1) {
        node[name] = value;
        return;
      }
      const next = node[name];
      if (next === undefined || typeof next === 'string' || Array.isArray(next)) node[name] = {};
      node = node[name] as FormObject;
    });
  }
  return arrays(root) as FormObject;
}

/** A flat string field of a parsed form, or undefined when absent or not a string. */
export function field(form: FormObject, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' ? value : undefined;
}

/** A nested object field (`metadata`), or an empty object. */
export function objectField(form: FormObject, name: string): FormObject {
  const value = form[name];
  return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {};
}
