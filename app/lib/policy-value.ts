// A policy value typed in a form, as the chain takes it: a whole number as a number ("65536"),
// true/false as booleans, anything else as text (a list such as "data.put,token.transfer").
// Enforced number policies refuse text with BAD_FIELD_TYPE, so "65536" must not go as a string.
export function parsePolicyValue(text: string): string | number | boolean {
  const value = text.trim();
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}
