/** One peering: both sides, its history, the routes that use it, data plane, billing and actions. */
import type { ReactNode } from "react";

export function PeeringDetailPage({ id }: { id: string }): ReactNode {
  return (
    <section>
      <h2>Peering {id}</h2>
    </section>
  );
}
