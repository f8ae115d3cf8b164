import { packageConfig } from "../../tsup.base.js";

export default packageConfig(
  { index: "src/index.ts", testing: "src/testing.ts", "services/index": "src/services/index.ts" },
  { external: ["vitest"] },
);
