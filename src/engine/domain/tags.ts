import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";

interface TagDoc {
  uuid: string;
  systemTags: string[];
  userTags: string[];
}

/**
 * The system and user tags a create API was given for the object it made (ZStack's `systemTags`/`userTags`),
 * kept per object uuid so queries can match them through the `__systemTag__`/`__userTag__` pseudo-fields.
 */
export class Tags {
  private readonly docs: Collection<TagDoc>;

  constructor(store: MetadataStore) {
    this.docs = store.collection("tags");
  }

  /** Adds tags to an object (duplicates dropped); nothing is stored when both lists are empty. */
  attach(uuid: string, systemTags: readonly string[], userTags: readonly string[]): void {
    if (systemTags.length === 0 && userTags.length === 0) return;
    const prior = this.docs.get(uuid);
    const merge = (a: readonly string[] | undefined, b: readonly string[]) => [...new Set([...(a ?? []), ...b])];
    this.docs.put({ uuid, systemTags: merge(prior?.systemTags, systemTags), userTags: merge(prior?.userTags, userTags) });
  }

  systemTagsOf(uuid: string): string[] {
    return this.docs.get(uuid)?.systemTags ?? [];
  }

  userTagsOf(uuid: string): string[] {
    return this.docs.get(uuid)?.userTags ?? [];
  }
}
