/**
 * The layer tree behind `images --tree` (the view Docker removed in 1.7): every layer as a
 * node keyed by its chain ID, so images that share a base share nodes, whether they were
 * loaded, committed or imported. Data only; the CLI draws it.
 */
import type { Digest } from '../digest/digest.js';
import { familiarTagName, splitTagName, familiarRepository } from '../image/reference.js';
import type { Store } from '../store/store.js';
import { allImageLayers } from '../store/images.js';
import { allTags } from '../store/tags.js';

export interface TreeNode {
  chainId: Digest;
  diffId: Digest;
  /** This layer's own size (Docker's layer size). */
  size: number;
  /** Size of the stack up to and including this layer. */
  virtualSize: number;
  /** Familiar tags of images whose top layer this is. */
  tags: string[];
  /** IDs of untagged images whose top layer this is. */
  untaggedImages: Digest[];
  children: TreeNode[];
  /** Earliest creation time of an image through this node (for ordering). */
  createdMs: number;
}

export function layerTree(store: Store, filter?: (familiarRepo: string, tag: string) => boolean): TreeNode[] {
  const rows = allImageLayers(store);
  const tags = allTags(store);
  const tagsByImage = new Map<string, string[]>();
  for (const t of tags) {
    const list = tagsByImage.get(t.imageId) ?? [];
    list.push(t.name);
    tagsByImage.set(t.imageId, list);
  }
  let wanted: Set<string> | undefined;
  if (filter !== undefined) {
    wanted = new Set();
    for (const t of tags) {
      const { repository, tag } = splitTagName(t.name);
      if (filter(familiarRepository(repository), tag)) wanted.add(t.imageId);
    }
  }
  const nodes = new Map<string, TreeNode>();
  const roots: TreeNode[] = [];
  let previous: TreeNode | undefined;
  for (const r of rows) {
    if (wanted !== undefined && !wanted.has(r.imageId)) continue;
    if (r.position === 0) previous = undefined;
    let node = nodes.get(r.chainId);
    if (node === undefined) {
      node = { chainId: r.chainId, diffId: r.diffId, size: r.size, virtualSize: (previous?.virtualSize ?? 0) + r.size, tags: [], untaggedImages: [], children: [], createdMs: r.createdMs };
      nodes.set(r.chainId, node);
      if (previous === undefined) roots.push(node);
      else previous.children.push(node);
    }
    node.createdMs = Math.min(node.createdMs, r.createdMs);
    if (r.position === r.layerCount - 1) {
      const imageTags = tagsByImage.get(r.imageId);
      if (imageTags === undefined) node.untaggedImages.push(r.imageId);
      else node.tags.push(...imageTags.map(familiarTagName));
    }
    previous = node;
  }
  const sort = (list: TreeNode[]): void => {
    list.sort((a, b) => a.createdMs - b.createdMs || (a.chainId < b.chainId ? -1 : 1));
    for (const n of list) {
      n.tags.sort();
      sort(n.children);
    }
  };
  sort(roots);
  return roots;
}
