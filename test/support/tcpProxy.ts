/** The TCP proxy the tests cut, delay and heal links with; it lives in tools/ because `npm run dev`'s lab uses it too. */
export * from '../../tools/tcpProxy';
