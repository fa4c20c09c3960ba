/**
 * The layer tree behind `images --tree` (the view Docker removed in 1.7): every layer as a
 * node keyed by its chain ID, so images that share a base share nodes, whether they were
 * loaded, committed or imported. Data only; the CLI draws it.
 */
import type { Digest } from '../digest/digest.js';
import { familiarTagName, splitTagName, familiarRepository } from '../image/reference.js';
import type { Store } from '../store/store.js';

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

interface LayerRow {
  image_id: Digest;
  position: number;
  diff_id: Digest;
  chain_id: Digest;
  size: number;
  created_ms: number;
  layer_count: number;
}

export function layerTree(store: Store, filter?: (familiarRepo: string, tag: string) => boolean): TreeNode[] {
  const rows = store.db.prepare(`
    SELECT il.image_id, il.position, il.diff_id, il.chain_id, l.size, i.created_ms, i.layer_count
    FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id JOIN images i ON i.id = il.image_id
    ORDER BY il.image_id, il.position`).all() as LayerRow[];
  const tags = store.db.prepare('SELECT name, image_id FROM tags ORDER BY name').all() as Array<{ name: string; image_id: Digest }>;
  const tagsByImage = new Map<string, string[]>();
  for (const t of tags) {
    const list = tagsByImage.get(t.image_id) ?? [];
    list.push(t.name);
    tagsByImage.set(t.image_id, list);
  }
  let wanted: Set<string> | undefined;
  if (filter !== undefined) {
    wanted = new Set();
    for (const t of tags) {
      const { repository, tag } = splitTagName(t.name);
      if (filter(familiarRepository(repository), tag)) wanted.add(t.image_id);
    }
  }
  const nodes = new Map<string, TreeNode>();
  const roots: TreeNode[] = [];
  let previous: TreeNode | undefined;
  for (const r of rows) {
    if (wanted !== undefined && !wanted.has(r.image_id)) continue;
    if (r.position === 0) previous = undefined;
    let node = nodes.get(r.chain_id);
    if (node === undefined) {
      node = { chainId: r.chain_id, diffId: r.diff_id, size: r.size, virtualSize: (previous?.virtualSize ?? 0) + r.size, tags: [], untaggedImages: [], children: [], createdMs: r.created_ms };
      nodes.set(r.chain_id, node);
      if (previous === undefined) roots.push(node);
      else previous.children.push(node);
    }
    node.createdMs = Math.min(node.createdMs, r.created_ms);
    if (r.position === r.layer_count - 1) {
      const imageTags = tagsByImage.get(r.image_id);
      if (imageTags === undefined) node.untaggedImages.push(r.image_id);
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
