/** Draws `images --tree` in the old Docker style: ├─ └─ │ branches, one layer per line. */
import { hexOf } from '../../digest/digest.js';
import { layerTree, type TreeNode } from '../../engine/layer-tree.js';
import type { Store } from '../../store/store.js';
import { humanSize } from '../format/units.js';

export function renderTree(store: Store, options: { noTrunc: boolean; filter?: string }): string {
  let filter: ((repo: string, tag: string) => boolean) | undefined;
  if (options.filter !== undefined) {
    const f = options.filter;
    const colon = f.lastIndexOf(':');
    const hasTag = colon > f.lastIndexOf('/');
    const repo = hasTag ? f.slice(0, colon) : f;
    const tag = hasTag ? f.slice(colon + 1) : undefined;
    filter = (r, t) => r === repo && (tag === undefined || t === tag);
  }
  const roots = layerTree(store, filter);
  const lines: string[] = [];
  const id = (n: TreeNode): string => (options.noTrunc ? n.chainId : hexOf(n.chainId).slice(0, 12));
  const walk = (list: TreeNode[], prefix: string): void => {
    list.forEach((node, i) => {
      const last = i === list.length - 1;
      let line = `${prefix}${last ? '└─' : '├─'}${id(node)} Size: ${humanSize(node.size, 4)} (virtual ${humanSize(node.virtualSize, 4)})`;
      if (node.tags.length > 0) line += ` Tags: ${node.tags.join(', ')}`;
      if (node.untaggedImages.length > 0) line += ` Images: ${node.untaggedImages.map((d) => (options.noTrunc ? d : hexOf(d).slice(0, 12))).join(', ')}`;
      lines.push(line);
      walk(node.children, `${prefix}${last ? '  ' : '│ '}`);
    });
  };
  walk(roots, '');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
