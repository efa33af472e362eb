/**
 * Text a store can keep as it is. JSON's \u escapes can carry a surrogate without its other
 * half, which is not Unicode: SQLite and PostgreSQL would each replace it differently.
 */
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNPAIRED_ALL = new RegExp(UNPAIRED.source, "g");

/** Whether `text` holds a surrogate without its other half. */
export const hasUnpairedSurrogate = (text: string): boolean => UNPAIRED.test(text);

/** `text` with each unpaired surrogate replaced by U+FFFD (String.prototype.toWellFormed, not in ES2022's library). */
export const wellFormed = (text: string): string => text.replace(UNPAIRED_ALL, "\ufffd");

/** Whether a store can keep `text` as it is: no NUL (PostgreSQL refuses it) and no unpaired surrogate. */
export const storable = (text: string): boolean => !text.includes("\u0000") && !hasUnpairedSurrogate(text);
