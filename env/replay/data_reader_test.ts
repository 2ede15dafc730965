import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import {
  barsFromTrades,
  DataFileError,
  parseBars,
  parseTime,
  parseTrades,
  readBars,
  readTrades,
} from "./data_reader.ts";
import { SHARED_DATA_DIR } from "../research/mod.ts";

const HEAD = "date,Open,High,Low,Close,Volume";
const GOOD = "2024-01-02,10,11,9,10.5,100";

function bars(rows: string[]) {
  return parseBars([HEAD, ...rows].join("\n"), { file: "t.csv" });
}

function onlyIssue(rows: string[]) {
  const { report } = bars(rows);
  assertEquals(report.issues.length, 1, JSON.stringify(report.issues));
  return report.issues[0];
}

Deno.test("good OHLCV rows with a date column are read as UTC bars", () => {
  const { bars: b, report } = bars([GOOD, "2024-01-03 09:30:00,10.5,12,10,11,50"]);
  assertEquals(report, { file: "t.csv", rows: 2, accepted: 2, skipped: 0, issues: [] });
  assertEquals([...b.time], [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3, 9, 30)]);
  assertEquals([b.open[1], b.high[1], b.low[1], b.close[1], b.volume[1]], [10.5, 12, 10, 11, 50]);
});

Deno.test("a millisecond timestamp column is read as epoch ms", () => {
  const text = "timestamp_ms,open,high,low,close,volume\n1509836520000,1,1,1,1,0\n";
  const { bars: b } = parseBars(text);
  assertEquals(b.time[0], 1509836520000);
});

Deno.test("a row with a missing field is skipped and reported by line and column", () => {
  assertEquals(onlyIssue([GOOD, "2024-01-03,10,,9,10,5"]), {
    line: 3,
    column: "High",
    message: "missing value",
  });
});

Deno.test("a row with too few fields is reported as a row problem", () => {
  assertEquals(onlyIssue(["2024-01-02,10,11,9,10.5"]), {
    line: 2,
    column: "(row)",
    message: "expected 6 fields, got 5",
  });
});

Deno.test("a timestamp that does not increase is reported on the time column", () => {
  const i = onlyIssue([GOOD, "2024-01-02,10,11,9,10.5,100"]);
  assertEquals(i.line, 3);
  assertEquals(i.column, "date");
  assert(i.message.includes("not after the previous row's (2024-01-02T00:00:00.000Z)"), i.message);
  assertEquals(
    bars([GOOD, "2024-01-02,10,11,9,10.5,100", "2024-01-01,1,1,1,1,1"]).report.skipped,
    2,
  );
});

Deno.test("high below low is reported on the high column", () => {
  assertEquals(onlyIssue(["2024-01-02,10,9,11,10,1"]), {
    line: 2,
    column: "High",
    message: "high 9 < low 11",
  });
});

Deno.test("open or close outside the bar's range is reported on that column", () => {
  assertEquals(onlyIssue(["2024-01-02,12,11,9,10,1"]).column, "Open");
  assertEquals(onlyIssue(["2024-01-02,12,11,9,10,1"]).message, "open 12 outside [low 9, high 11]");
  assertEquals(onlyIssue(["2024-01-02,10,11,9,8,1"]).column, "Close");
});

Deno.test("NaN and negative values are reported, never used", () => {
  assertEquals(onlyIssue(["2024-01-02,NaN,11,9,10,1"]), {
    line: 2,
    column: "Open",
    message: 'not a number: "NaN"',
  });
  assertEquals(onlyIssue(["2024-01-02,10,11,9,10,-5"]), {
    line: 2,
    column: "Volume",
    message: "negative value -5",
  });
  assertEquals(onlyIssue(["2024-01-02,0,11,1,10,5"]).message, "expected a price > 0, got 0");
  assertEquals(
    onlyIssue(["yesterday,10,11,9,10,5"]).message,
    'not a date or epoch ms: "yesterday"',
  );
});

Deno.test("reject mode stops at the first bad row, naming file, line and column", () => {
  assertThrows(
    () =>
      parseBars([HEAD, GOOD, "2024-01-03,10,9,11,10,1"].join("\n"), {
        file: "x.csv",
        onBadRow: "reject",
      }),
    DataFileError,
    "x.csv line 3, column High: high 9 < low 11",
  );
});

Deno.test("a header without the needed columns is an error naming them", () => {
  assertThrows(() => parseBars("when,open\n"), DataFileError, "no time column");
  assertThrows(() => parseBars("date,open,high,low,close\n"), DataFileError, 'no column "volume"');
  assertThrows(() => parseBars(""), DataFileError, "empty file");
});

Deno.test("trades: a bad side, a backwards time and a zero amount are reported by line", () => {
  const text = [
    "timestamp_ms,id,side,price,amount,cost",
    "1000,1,buy,2.5,1,2.5",
    "1000,2,sell,2.4,2,4.8",
    "1001,3,hold,2.4,2,4.8",
    "999,4,sell,2.4,2,4.8",
    "1002,5,buy,2.4,0,0",
  ].join("\n");
  const { trades, report } = parseTrades(text, { file: "tr.csv" });
  assertEquals(trades.length, 2);
  assertEquals([...trades.side], [0, 1]);
  assertEquals(report.issues.map((i) => [i.line, i.column]), [[4, "side"], [5, "timestamp_ms"], [
    6,
    "amount",
  ]]);
});

Deno.test("time parsing: dates, date-times and epoch ms; bad months are not dates", () => {
  assertEquals(parseTime("2017-04-19 09:00:00"), Date.UTC(2017, 3, 19, 9));
  assertEquals(parseTime("2017-04-19T09:00:00.25Z"), Date.UTC(2017, 3, 19, 9, 0, 0, 250));
  assertEquals(parseTime("1509836520000"), 1509836520000);
  assert(Number.isNaN(parseTime("2017-13-01")));
});

Deno.test("every OHLCV file in ../shared/data streams in clean with its row count", async () => {
  const expect: Record<string, number> = {
    "GOOG-1d-backtesting-py.csv": 2148,
    "EURUSD-1h-backtesting-py.csv": 5000,
    "BTCUSD-backtesting-py.csv": 156,
    "BTC-1m-freqtrade.csv": 13681,
  };
  for (const [file, n] of Object.entries(expect)) {
    const { bars: b, report } = await readBars(SHARED_DATA_DIR + file, { onBadRow: "reject" });
    assertEquals([b.length, report.skipped], [n, 0], file);
  }
  const { trades } = await readTrades(SHARED_DATA_DIR + "XRP_ETH-trades-freqtrade.csv", {
    onBadRow: "reject",
  });
  assertEquals(trades.length, 12477);
});

Deno.test("a missing file is rejected with the OS error", async () => {
  await assertRejects(() => readBars(SHARED_DATA_DIR + "nope.csv"), Deno.errors.NotFound);
});

Deno.test("trades aggregate into OHLCV bars; intervals without trades have no bar", () => {
  const text = [
    "timestamp_ms,id,side,price,amount,cost",
    "60000,1,buy,10,1,10",
    "60500,2,sell,12,2,24",
    "119999,3,buy,9,1,9",
    "240000,4,sell,11,5,55",
  ].join("\n");
  const b = barsFromTrades(parseTrades(text).trades, 60_000);
  assertEquals(b.length, 2);
  assertEquals([b.time[0], b.open[0], b.high[0], b.low[0], b.close[0], b.volume[0]], [
    60_000,
    10,
    12,
    9,
    9,
    4,
  ]);
  assertEquals([b.time[1], b.open[1], b.close[1], b.volume[1]], [240_000, 11, 11, 5]);
  assertThrows(() => barsFromTrades(parseTrades(text).trades, 0), DataFileError, "barMs");
});

Deno.test("in reject mode every bad-row kind stops the read with file, line and column", () => {
  const cases: [string, string][] = [
    ["2024-01-03,10,,9,10,5", "b.csv line 3, column High: missing value"],
    ["2024-01-03,10,11,9,10", "b.csv line 3, column (row): expected 6 fields, got 5"],
    ["2024-01-02,10,11,9,10,5", "b.csv line 3, column date: time 2024-01-02 is not after"],
    ["2024-01-03,10,9,11,10,5", "b.csv line 3, column High: high 9 < low 11"],
    ["2024-01-03,12,11,9,10,5", "b.csv line 3, column Open: open 12 outside [low 9, high 11]"],
    ["2024-01-03,10,11,9,12,5", "b.csv line 3, column Close: close 12 outside [low 9, high 11]"],
    ["2024-01-03,10,11,9,abc,5", 'b.csv line 3, column Close: not a number: "abc"'],
    ["2024-01-03,10,11,9,10,-1", "b.csv line 3, column Volume: negative value -1"],
  ];
  for (const [row, message] of cases) {
    assertThrows(
      () => parseBars([HEAD, GOOD, row].join("\n"), { file: "b.csv", onBadRow: "reject" }),
      DataFileError,
      message,
    );
  }
});
