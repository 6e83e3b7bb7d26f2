import { tf } from './harness/tf.ts';
import { prepareBackend } from './harness/backends.ts';
for (const b of ['cpu', 'wasm', 'webgpu']) {
  await prepareBackend(b as any); await tf.setBackend(b);
  const x = tf.fill([8], 3.4e38); const x2 = tf.fill([2, 2, 2, 3], 3.4e38);
  const m = tf.moments(x2, [0, 1, 2]);
  console.log(b, 'mean8', (await tf.mean(x).data())[0], 'sum8', (await tf.sum(x).data())[0], 'moments mean', Array.from(await m.mean.data()), 'var', Array.from(await m.variance.data()));
  const y = tf.tensor([1e-40, 1.4e-45, -1e-40]);
  console.log(b, 'subnormal passthrough', Array.from(await tf.add(y, 0).data()), 'exp(-100)', (await tf.exp(tf.scalar(-100)).data())[0], 'exp(88.72)', (await tf.exp(tf.scalar(88.72)).data())[0], 'tanh(1e30)', (await tf.tanh(tf.scalar(1e30)).data())[0], 'sigmoid(-1e30)', (await tf.sigmoid(tf.scalar(-1e30)).data())[0]);
}
