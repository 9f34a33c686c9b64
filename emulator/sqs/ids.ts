import { randomHex } from '../core/ids';

/**
 * Message ids drawn from the emulator's random source (so seeded scenarios stay reproducible), fetched in
 * blocks: one call to the random source per 256 ids instead of one per message.
 */
export class IdPool {
  private hex = '';
  private offset = 0;

  uuid(): string {
    if (this.offset >= this.hex.length) {
      this.hex = randomHex(16 * 256);
      this.offset = 0;
    }
    const h = this.hex.slice(this.offset, this.offset + 32);
    this.offset += 32;
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** Forgets buffered randomness (after the random source was re-seeded). */
  clear(): void {
    this.hex = '';
    this.offset = 0;
  }
}
