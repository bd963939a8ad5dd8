/**
 * A binary min-heap on (at, seq): what the model settles by time and the virtual clock's sleepers,
 * in the order they are due, then in the order they came.
 *
 * @internal
 */

/** @internal */
export interface Timed {
  readonly at: number
  readonly seq: number
}

const before = (a: Timed, b: Timed) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/** @internal */
export class Heap<A extends Timed> {
  private readonly items: Array<A> = []

  get size(): number {
    return this.items.length
  }

  peek(): A | undefined {
    return this.items[0]
  }

  push(item: A): void {
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i], items[parent])) break
      const swap = items[i]
      items[i] = items[parent]
      items[parent] = swap
      i = parent
    }
  }

  pop(): A | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let smallest = i
        if (l < items.length && before(items[l], items[smallest])) smallest = l
        if (r < items.length && before(items[r], items[smallest])) smallest = r
        if (smallest === i) break
        const swap = items[i]
        items[i] = items[smallest]
        items[smallest] = swap
        i = smallest
      }
    }
    return top
  }
}
