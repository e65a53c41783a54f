import { describe, expect, it } from 'vitest';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import { NAME, normalizedImageName } from './image-locality';
import { inTreeRegistry } from './registry';

const MB = 1024 * 1024;

// Cases after imagelocality/image_locality_test.go: score = 100 × (Σ size × spread − 23MB) /
// (1000MB × containers − 23MB), spread = nodes having the image / all nodes.
describe('ImageLocality', () => {
  it.each([
    {
      name: 'two images spread on two nodes, prefer the larger image one',
      pod: makePod().container('gcr.io/40').container('gcr.io/300'),
      // node1: 40MB × 1/2 < 23MB → 0; node2: (150MB − 23MB) / (2000MB − 23MB) → 6
      nodes: [
        makeNode('node1').image(40 * MB, 'gcr.io/40:latest'),
        makeNode('node2').image(300 * MB, 'gcr.io/300:latest'),
      ],
      want: { node1: 0, node2: 6 },
    },
    {
      name: 'two images on one node, prefer this node',
      pod: makePod().container('gcr.io/40').container('gcr.io/300'),
      // node1: (40 + 300)/2 MB → (170 − 23)/(1977) → 7
      nodes: [
        makeNode('node1')
          .image(40 * MB, 'gcr.io/40:latest')
          .image(300 * MB, 'gcr.io/300:latest'),
        makeNode('node2').image(10 * MB, 'gcr.io/10:latest'),
      ],
      want: { node1: 7, node2: 0 },
    },
    {
      name: 'an image on every node says nothing more than its size',
      pod: makePod().container('gcr.io/2000:v1'),
      nodes: [
        makeNode('node1').image(2000 * MB, 'gcr.io/2000:v1'),
        makeNode('node2').image(2000 * MB, 'gcr.io/2000:v1'),
      ],
      want: { node1: 100, node2: 100 },
    },
  ])('$name', ({ pod, nodes, want }) => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      nodes.map((n) => n.obj()),
    );
    expect(r.score(pod.obj())).toEqual(want);
  });

  it('normalises untagged names to :latest', () => {
    expect(normalizedImageName('gcr.io/x')).toBe('gcr.io/x:latest');
    expect(normalizedImageName('localhost:5000/x')).toBe('localhost:5000/x:latest');
    expect(normalizedImageName('x:1.0')).toBe('x:1.0');
  });
});
