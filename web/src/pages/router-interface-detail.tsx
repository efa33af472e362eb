/** One router interface: both ends, its history, the routes that use it, billing and actions. */
import type { ReactNode } from "react";

export function RouterInterfaceDetailPage({ id }: { id: string }): ReactNode {
  return (
    <section>
      <h2>Router interface {id}</h2>
    </section>
  );
}
