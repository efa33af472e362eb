/** The region catalog from config. */
import { DomainError } from "../domain/errors.ts";
import type { Region, Zone } from "../domain/resources.ts";
import type { Config } from "../config.ts";

export class RegionService {
  private readonly byId: Map<string, Region>;
  constructor(config: Config) {
    this.byId = new Map(config.regions.map((r) => [r.id, r]));
  }

  list(): Region[] {
    return [...this.byId.values()];
  }

  /** The region, or an InvalidRegion error that lists the valid names. */
  require(id: string, field = "region"): Region {
    const region = this.byId.get(id);
    if (!region) {
      throw new DomainError("InvalidRegion", `${field}: "${id.slice(0, 64)}" is not a region of this service (known: ${[...this.byId.keys()].join(", ")})`, {
        field,
        value: id,
        regions: [...this.byId.keys()],
      });
    }
    return region;
  }

  /** The zone (default: the region's first), or an InvalidZone error listing the region's zones. */
  zone(region: Region, zone: string | undefined, field = "zone"): string {
    if (zone === undefined) return region.zones[0]!.name;
    if (!region.zones.some((z) => z.name === zone)) {
      const names = region.zones.map((z) => z.name);
      throw new DomainError("InvalidZone", `${field}: "${zone.slice(0, 64)}" is not a zone of ${region.id} (zones: ${names.join(", ")})`, {
        field,
        value: zone,
        zones: names,
      });
    }
    return zone;
  }

  /** The region's zones, or an InvalidRegion error. */
  zones(regionId: string, field = "region"): Zone[] {
    return this.require(regionId, field).zones;
  }
}

/** The catalogue's zone of that name in the region, if any. */
export const zoneNamed = (region: Region, name: string): Zone | undefined => region.zones.find((z) => z.name === name);
/** The catalogue's zone of that id in the region, if any. */
export const zoneWithId = (region: Region, id: string): Zone | undefined => region.zones.find((z) => z.id === id);
