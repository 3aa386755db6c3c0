/**
 * Each route's request validators, compiled ahead of time (`generated/shapeValidators.js`): what a handler passes
 * to `route()`. One export per route, imported by name, so a function's bundle holds only its own route's code.
 */
export { deleteKey, get, getKey, health, putKey, set } from './generated/shapeValidators';
