/** Topology: the account's VPCs, VBRs and the peerings it is party to, drawn as a graph. */
import type { ReactNode } from "react";

export function TopologyPage(): ReactNode {
  return (
    <section>
      <h2>Topology</h2>
    </section>
  );
}
