/**
 * The line of a form that says what the current choice costs, asked of GET /api/v1/billing/quote
 * a moment after the choice stops changing (one request per pause, the last answer wins).
 */
import { type ReactNode, useEffect, useState } from "react";
import { api } from "../api.ts";
import { PROBLEM_STYLE } from "../form.tsx";
import { asApiError } from "../ui.tsx";
import { type Quote, type QuoteChoice, priceText, quotePath, refusalText } from "./price.ts";

/** How long the choice must stay put before it is priced. */
export const QUOTE_DEBOUNCE_MS = 250;

/**
 * `choice` null: nothing to price (`note` says why, e.g. an acceptor is free, the initiator pays).
 */
export function PriceLine({ choice, note }: { choice: QuoteChoice | null; note?: string }): ReactNode {
  const path = choice ? quotePath(choice) : null;
  const [shown, setShown] = useState<{ path: string; text: string; refused: boolean }>();
  useEffect(() => {
    if (!path) return;
    let live = true;
    const timer = setTimeout(() => {
      api<Quote>("GET", path).then(
        (q) => live && setShown({ path, text: priceText(q), refused: false }),
        (e: unknown) => {
          const err = asApiError(e);
          if (live) setShown({ path, text: refusalText(err.code, err.message), refused: true });
        },
      );
    }, QUOTE_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path]);
  const text = !path ? (note ?? "") : shown?.path === path ? shown.text : "working out the price…";
  const refused = path !== null && shown?.path === path && shown.refused;
  return (
    <p role="status" aria-label="Price" style={{ margin: "0.2rem 0", ...(refused ? PROBLEM_STYLE : {}) }}>
      <strong>Price: </strong>
      <span data-quote={shown?.path === path && !shown.refused ? path : undefined}>{text}</span>
    </p>
  );
}
