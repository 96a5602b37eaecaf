import assert = require("node:assert/strict");
import { checkId, isValidId } from "../../provider/topology/ids";

describe("cloud id formats", () => {
  const valid: Array<[Parameters<typeof checkId>[0], Parameters<typeof checkId>[1], string]> = [
    ["huaweicloud", "image", "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a"],
    ["huaweicloud", "account", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"],
    ["huaweicloud", "project", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"],
    ["huaweicloud", "region", "cn-north-4"],
    ["huaweicloud", "region", "ap-southeast-1"],
    ["opentelekomcloud", "region", "eu-de"],
    ["opentelekomcloud", "region", "eu-ch2"],
    ["alicloud", "image", "m-bp1g7004ksh0oeuc0a1b"],
    ["alicloud", "account", "1234567890123456"],
    ["alicloud", "region", "cn-shanghai-finance-1"],
    ["tencentcloud", "image", "img-6pb6lrmy"],
    ["tencentcloud", "account", "103849387508"],
    ["tencentcloud", "region", "na-siliconvalley"],
  ];
  const invalid: Array<[Parameters<typeof checkId>[0], Parameters<typeof checkId>[1], string]> = [
    ["huaweicloud", "image", "img-6pb6lrmy"],
    ["huaweicloud", "account", "0a1b2c3d4e5f60718293a4b5c6d7e8f"], // 31
    ["huaweicloud", "project", "my-project"],
    ["huaweicloud", "region", "CN North 4"],
    ["alicloud", "image", "img-6pb6lrmy"],
    ["alicloud", "account", "alice@example.com"],
    ["tencentcloud", "image", "img-6pb6lrmy9"],
    ["tencentcloud", "image", "m-bp1g7004ksh0oeuc0a1b"],
    ["tencentcloud", "account", "100012345678x"],
    ["tencentcloud", "region", "ap_guangzhou"],
  ];
  for (const [p, k, v] of valid) it(`${p} ${k} ${v} passes`, () => assert.equal(checkId(p, k, v), undefined));
  for (const [p, k, v] of invalid) {
    it(`${p} ${k} ${v} fails with a message naming value, cloud and format`, () => {
      assert.equal(isValidId(p, k, v), false);
      const m = checkId(p, k, v)!;
      assert.ok(m.includes(JSON.stringify(v)) && m.includes(p) && /expected/.test(m), m);
    });
  }
});
