/** Types for `cluster-key-slot` (the CRC16 slot function ioredis itself routes by), which ships none. */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0-16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
