// Frames wait in a short queue and are drawn one per animation frame: frames arrive slightly faster than the
// screen refreshes and not evenly, and drawing only the newest would leave some refreshes with nothing new.
// When the page falls behind, the oldest pictures are skipped; their numbers were already recorded.
export function frameQueue(draw, max = 3) {
  const queue = [];
  let pending = false;
  const schedule = () => {
    if (!pending && queue.length) { pending = true; requestAnimationFrame(next); }
  };
  function next() {
    pending = false;
    const frame = queue.shift();
    schedule();
    if (frame) draw(frame);
  }
  return {
    push(frame) {
      queue.push(frame);
      if (queue.length > max) queue.splice(0, queue.length - max);
      schedule();
    },
    clear() { queue.length = 0; },
  };
}
