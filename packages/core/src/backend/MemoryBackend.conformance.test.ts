/**
 * @module backend/MemoryBackend.conformance.test
 * Runs the shared backend conformance suite against MemoryBackend.
 */
import { describeBackend } from "../testing/index.js";
import { MemoryBackend } from "./MemoryBackend.js";

describeBackend("MemoryBackend", () => new MemoryBackend());
