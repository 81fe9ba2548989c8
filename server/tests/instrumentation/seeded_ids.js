// An id generator for the OpenTelemetry JS SDK from a seed (splitmix64 over
// BigInt): the same trace and span ids, so the same sampled traces, on
// every run of the conformance matrix.
'use strict';

class SeededIds {
  constructor(seed) {
    this.state = BigInt(seed);
  }
  next() {
    const mask = (1n << 64n) - 1n;
    this.state = (this.state + 0x9e3779b97f4a7c15n) & mask;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return (z ^ (z >> 31n)) || 1n;
  }
  generateTraceId() {
    return this.next().toString(16).padStart(16, '0') + this.next().toString(16).padStart(16, '0');
  }
  generateSpanId() {
    return this.next().toString(16).padStart(16, '0');
  }
}

module.exports = { SeededIds };
