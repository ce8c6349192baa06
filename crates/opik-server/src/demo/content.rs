//! Static text of the demo data set (`opik-tui demo`): questions, multi-turn conversations and
//! their markdown answers. Kept apart from the generator in `apps.rs` so that file stays about
//! shape (timing, nesting, scores) and this one about words.

/// A scripted conversation: (user message, assistant answer in markdown) per turn.
pub struct Conversation {
    pub topic: &'static str,
    pub turns: &'static [(&'static str, &'static str)],
}

/// Single-turn questions to the support agent with their answers.
pub const SUPPORT_QA: &[(&str, &str)] = &[
    (
        "Where is my order #A-10492? It was supposed to arrive yesterday.",
        "I checked order **#A-10492** for you.\n\n- **Status:** in transit\n- **Carrier:** DHL Express, tracking `JD014600006281`\n- **Last scan:** Rotterdam hub, 06:42 today\n\nThe parcel missed yesterday's connection because of a weather delay at the hub. The new estimated delivery is **tomorrow before 18:00**. I've added a note so you'll get an SMS when it is out for delivery.",
    ),
    (
        "Can I change the shipping address on an order I placed an hour ago?",
        "Yes, as long as the order hasn't been packed yet. Your order **#A-10517** is still *awaiting fulfilment*, so I can update it.\n\nPlease confirm the new address in this format:\n\n```\nName\nStreet and number\nPostal code, City\nCountry\n```\n\nOnce the warehouse starts picking (usually within 2 hours), address changes are no longer possible and we'd have to redirect with the carrier instead.",
    ),
    (
        "What is your return policy for opened electronics?",
        "Opened electronics can be returned within **30 days** of delivery.\n\n| Condition | Refund | Restocking fee |\n|---|---|---|\n| Unopened | 100% | none |\n| Opened, all accessories | 100% | none |\n| Opened, missing accessories | 85% | 15% |\n| Damaged by customer | not eligible | n/a |\n\nStart a return from **Orders → Return an item**; you'll get a prepaid label by e-mail. Refunds reach your card 3–5 business days after we receive the parcel.",
    ),
    (
        "I was charged twice for the same order.",
        "Sorry about that! I can see **two authorisations** of €129.90 on 14 March for order **#A-10388**.\n\nOnly one of them was captured; the second is a *pending authorisation* that your bank will release automatically, usually within **3 business days**. You don't need to do anything.\n\nIf it is still on your statement after 5 business days, reply here and I'll open a case with our payments team.",
    ),
    (
        "Do you ship to Norway, and how much does it cost?",
        "We do ship to Norway. Because Norway is outside the EU, import VAT is collected on delivery.\n\n| Service | Delivery time | Price |\n|---|---|---|\n| Standard | 4–7 business days | €14.90 |\n| Express | 2–3 business days | €29.90 |\n\nOrders over **€150** ship with Standard for free. Duties are calculated at checkout so there are no surprises at the door.",
    ),
    (
        "How do I reset my password? The reset email never arrives.",
        "Let's get you back in. A few things to check:\n\n1. Look in your **spam / promotions** folder for a mail from `no-reply@acme-shop.example`.\n2. Make sure you used the address on your account: it ends in `…@proton.me`.\n3. Reset links expire after **30 minutes**; request a fresh one if it's older.\n\nI've just triggered a new reset e-mail. If it doesn't arrive within 10 minutes, I can verify your identity here and set a temporary password.",
    ),
    (
        "Is the Aurora X2 headset compatible with PlayStation 5?",
        "Yes: the **Aurora X2** works with PS5 over the included USB-C dongle, with full stereo and the microphone.\n\nA few notes:\n- 3D audio (Tempest) works; the headset's own *virtual 7.1* mode is PC-only.\n- Bluetooth mode can't be used with the PS5 (Sony doesn't support BT audio).\n- Update the headset firmware to **v2.4.1** or later from the Aurora Hub app first.",
    ),
    (
        "My discount code SPRING25 doesn't work at checkout.",
        "I looked up **SPRING25**: it's valid until 31 March, but it has two conditions:\n\n- minimum basket of **€60** (yours is €54.80 before shipping), and\n- it can't be combined with items already on sale.\n\nIf you add one more item to reach €60 it will apply. Alternatively I can issue a one-time 10% code that has no minimum; just say the word.",
    ),
    (
        "Can I get an invoice with my company's VAT number?",
        "Of course. Add the VAT number under **Account → Billing details**, then open the order and click **Download invoice**; the PDF is regenerated with your company name and VAT ID.\n\nFor order **#A-10402** I've already regenerated it with `NL859362917B01`. The reverse-charge note is included because the order ships to another EU country.",
    ),
    (
        "The blender I received is making a burning smell.",
        "Please **stop using it** and unplug it right away; a burning smell can indicate a motor fault.\n\nThis is covered by the 2-year warranty. I've created replacement case **RMA-55120**:\n\n- a courier will pick up the blender (no need to repack it in the original box);\n- the replacement ships as soon as the pickup is scanned, usually the same day.\n\nYou'll receive the pickup slot options by e-mail within the hour.",
    ),
    (
        "How long does express delivery take to Lyon?",
        "Express to Lyon is **1–2 business days** when ordered before 15:00 CET. Orders placed after that leave the warehouse the next morning.\n\nYou can see the exact promised date on the checkout page once the address is filled in.",
    ),
    (
        "Why was my account locked?",
        "Your account was locked automatically after **5 failed sign-in attempts** from a new device in Porto at 02:14 today. This is a safety measure, not a penalty.\n\nTo unlock it:\n1. Use **Forgot password** to set a new password.\n2. Turn on two-step verification under **Account → Security** (recommended).\n\nIf the attempts weren't you, the new password is enough: all other sessions are signed out.",
    ),
];

/// Questions to the documentation RAG bot: (question, answer).
pub const DOCS_QA: &[(&str, &str)] = &[
    (
        "How do I configure the retry policy for the HTTP client?",
        "Set `retry` in `client.toml`:\n\n```toml\n[retry]\nmax_attempts = 4\nbackoff = \"exponential\"\ninitial_delay_ms = 200\nretry_on = [429, 502, 503, 504]\n```\n\nRequests that are not idempotent (`POST` without an idempotency key) are never retried. See *Configuration → Retries*.",
    ),
    (
        "What's the difference between a workspace and a project?",
        "A **workspace** is the unit of billing and access control; a **project** groups related traces inside a workspace.\n\n| | Workspace | Project |\n|---|---|---|\n| Members & roles | yes | inherited |\n| API keys | yes | no |\n| Dashboards | yes | per project |\n| Retention settings | yes | can override |\n\nMost teams use one workspace and one project per application or environment.",
    ),
    (
        "Is there a rate limit on the ingestion API?",
        "Yes. The ingestion API accepts **10,000 events per minute** per workspace by default. Over the limit you get `429 Too Many Requests` with a `RateLimit-Reset` header telling you how many seconds to wait.\n\nThe official SDKs batch events and honour that header automatically.",
    ),
    (
        "How can I export traces to a CSV file?",
        "Use the CLI:\n\n```bash\nacme export traces --project checkout-bot --since 7d --format csv > traces.csv\n```\n\nColumns: `id, name, start_time, duration_ms, total_cost, tags`. Add `--fields input,output` to include the payloads (they are JSON-encoded).",
    ),
    (
        "Which Python versions does the SDK support?",
        "The SDK supports **Python 3.9 to 3.13**. Python 3.8 reached end of life and is no longer tested; the last release that installs on it is `1.18.4`.",
    ),
    (
        "How do I rotate an API key without downtime?",
        "Create the new key first, deploy it, then revoke the old one:\n\n1. **Settings → API keys → New key** (both keys are valid at the same time).\n2. Roll out the new key to every service.\n3. Check *Last used* on the old key; once it stops moving, **Revoke** it.\n\nKeys can't be edited after creation, only revoked.",
    ),
    (
        "Can I self-host the dashboard behind a reverse proxy with a path prefix?",
        "Yes. Set `BASE_PATH=/observability` and forward that prefix unchanged:\n\n```nginx\nlocation /observability/ {\n    proxy_pass http://dashboard:5173/observability/;\n    proxy_set_header Host $host;\n}\n```\n\nWebSockets are not used, so no upgrade headers are needed.",
    ),
    (
        "What does the `sampling_rate` option do?",
        "`sampling_rate` (0.0–1.0) is the fraction of traces the SDK sends. With `0.1`, nine out of ten traces are dropped *client-side* before any network call.\n\nSampling is decided per trace, so a kept trace always has all of its spans.",
    ),
];

/// Multi-turn support conversations (threads of the `support-agent` project).
pub const SUPPORT_CONVERSATIONS: &[Conversation] = &[
    Conversation {
        topic: "late delivery",
        turns: &[
            (
                "Hi, my package hasn't arrived and the tracking hasn't moved in 4 days.",
                "Sorry to hear that. I found your order **#A-10233**; the last tracking event is *Departed facility, Leipzig* four days ago.\n\nThat usually means a missed scan rather than a lost parcel. I've opened an investigation with the carrier (**case DHL-88213**); they answer within 24 hours.",
            ),
            (
                "It's a birthday present, I need it by Saturday. Can you send another one?",
                "Understood. I can ship a replacement today with **Express** at no cost to you:\n\n| Option | Arrives | Cost |\n|---|---|---|\n| Express replacement | Friday | free |\n| Wait for investigation | unknown | free |\n\nIf the original shows up later, you can refuse it at the door or return it with the prepaid label. Shall I send the replacement?",
            ),
            (
                "Yes please, send the replacement.",
                "Done! Replacement order **#A-10560** ships today with DHL Express, tracking `JD014600007114`. **Friday delivery** is guaranteed.\n\nI've also cancelled the carrier investigation charge. Anything else I can help with?",
            ),
            (
                "No, that's all. Thanks a lot!",
                "You're welcome, and happy birthday to whoever is getting the present! 🎁",
            ),
        ],
    },
    Conversation {
        topic: "warranty claim",
        turns: &[
            (
                "My Aurora X2 headset's left earcup stopped working after 8 months.",
                "That's covered by the **2-year warranty**. Before I create the claim, could you try one thing:\n\n1. Hold the power button for **15 seconds** to reset it.\n2. Re-pair it with the dongle.\n\nDoes the left side work after that?",
            ),
            (
                "Tried it, still nothing on the left side.",
                "Thanks for checking. I've created warranty claim **RMA-55031**.\n\n- You'll get a prepaid shipping label by e-mail.\n- Repair or replacement takes **5–7 business days** after we receive it.\n- Keep the dongle; only the headset needs to be sent.",
            ),
            (
                "Can I get a replacement instead of a repair? I use it for work.",
                "Yes: for hardware faults within the first 12 months we can do an **advance replacement**. We ship a new headset now and you send the faulty one back within 14 days using the same label.\n\nI've switched RMA-55031 to advance replacement; the new headset ships tomorrow morning.",
            ),
        ],
    },
    Conversation {
        topic: "subscription billing",
        turns: &[
            (
                "I cancelled my Plus subscription but was charged again this month.",
                "Let me check. Your Plus subscription was cancelled on **2 March**, but the billing cycle renewed on **1 March**, one day earlier, so this month's charge of **€9.99** went through.\n\nSince you haven't used any Plus benefits since the renewal, I can refund it.",
            ),
            (
                "Yes, please refund it.",
                "Refund of **€9.99** issued to your Visa ending in 4242. It'll appear in 3–5 business days.\n\nYour account now shows:\n\n```\nPlan:        Free\nPlus ends:   already ended\nNext charge: none\n```",
            ),
        ],
    },
    Conversation {
        topic: "order modification",
        turns: &[
            (
                "Can I add a second charger to the order I placed this morning?",
                "Your order **#A-10571** hasn't been packed yet, so I can add items. The **USB-C 65W charger** is €34.90. Shall I add one?",
            ),
            (
                "Yes, and can you also make it express shipping?",
                "Both done:\n\n| Item | Price |\n|---|---|\n| Laptop sleeve 14\" | €39.00 |\n| USB-C 65W charger | €34.90 |\n| Express shipping | €9.90 |\n| **Total** | **€83.80** |\n\nThe difference of **€44.80** will be charged to the same card. Estimated delivery: **tomorrow**.",
            ),
            (
                "Perfect. Will both items come in one box?",
                "Yes, they're picked from the same warehouse and ship together in one parcel with a single tracking number.",
            ),
        ],
    },
];

/// Multi-turn coding-assistant conversations (threads of the `code-assistant` project).
pub const CODE_CONVERSATIONS: &[Conversation] = &[
    Conversation {
        topic: "python dedupe",
        turns: &[
            (
                "How do I remove duplicates from a list in Python but keep the order?",
                "Use a `dict`, which keeps insertion order (Python 3.7+):\n\n```python\ndef dedupe(items):\n    return list(dict.fromkeys(items))\n\nprint(dedupe([3, 1, 3, 2, 1]))  # [3, 1, 2]\n```\n\nThis is O(n) and works for any hashable items.",
            ),
            (
                "What if the items are dicts, which aren't hashable?",
                "Then track a hashable *key* for each item yourself:\n\n```python\ndef dedupe_by(items, key):\n    seen = set()\n    out = []\n    for item in items:\n        k = key(item)\n        if k not in seen:\n            seen.add(k)\n            out.append(item)\n    return out\n\nusers = [{\"id\": 1, \"name\": \"Ann\"}, {\"id\": 1, \"name\": \"Ann B.\"}, {\"id\": 2, \"name\": \"Bo\"}]\ndedupe_by(users, key=lambda u: u[\"id\"])\n# [{'id': 1, 'name': 'Ann'}, {'id': 2, 'name': 'Bo'}]\n```\n\nThe first occurrence wins. For whole-dict equality use `key=lambda d: tuple(sorted(d.items()))`.",
            ),
            (
                "Which one is faster for 1M items?",
                "I timed both on 1,000,000 integers (CPython 3.12):\n\n| Approach | Time |\n|---|---|\n| `list(dict.fromkeys(xs))` | **41 ms** |\n| `dedupe_by(xs, key=lambda x: x)` | 118 ms |\n| `sorted(set(xs), key=xs.index)` | > 10 min (O(n²)) |\n\n`dict.fromkeys` wins because the loop runs in C. Only reach for the key function when you need it.",
            ),
        ],
    },
    Conversation {
        topic: "rust lifetimes",
        turns: &[
            (
                "Why does this Rust function not compile? `fn longest(a: &str, b: &str) -> &str`",
                "The compiler can't tell whether the returned reference borrows from `a` or from `b`, so it can't check that it outlives its use. Name the lifetime:\n\n```rust\nfn longest<'a>(a: &'a str, b: &'a str) -> &'a str {\n    if a.len() >= b.len() { a } else { b }\n}\n```\n\nNow the result is valid as long as **both** inputs are.",
            ),
            (
                "And if I always return `a`?",
                "Then only `a` needs the lifetime, and `b` can be anything shorter:\n\n```rust\nfn first<'a>(a: &'a str, _b: &str) -> &'a str {\n    a\n}\n```\n\nThis is more flexible for callers: `b` may be a temporary that dies right after the call.",
            ),
        ],
    },
    Conversation {
        topic: "sql window",
        turns: &[
            (
                "How do I get the latest order per customer in Postgres?",
                "Use `DISTINCT ON`, which Postgres optimises well:\n\n```sql\nSELECT DISTINCT ON (customer_id)\n       customer_id, id AS order_id, created_at, total\nFROM orders\nORDER BY customer_id, created_at DESC;\n```\n\nAn index on `(customer_id, created_at DESC)` makes it an index scan.",
            ),
            (
                "Is there a portable version that works in SQLite too?",
                "Yes, with a window function (SQLite ≥ 3.25):\n\n```sql\nSELECT customer_id, order_id, created_at, total\nFROM (\n  SELECT customer_id, id AS order_id, created_at, total,\n         ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn\n  FROM orders\n) AS ranked\nWHERE rn = 1;\n```\n\n| Database | `DISTINCT ON` | `ROW_NUMBER()` |\n|---|---|---|\n| PostgreSQL | ✔ | ✔ |\n| SQLite | ✘ | ✔ (3.25+) |\n| MySQL | ✘ | ✔ (8.0+) |",
            ),
            (
                "How would I also get the number of orders per customer in the same query?",
                "Add a windowed `COUNT(*)` next to the row number:\n\n```sql\nSELECT customer_id, order_id, created_at, total, order_count\nFROM (\n  SELECT customer_id, id AS order_id, created_at, total,\n         ROW_NUMBER() OVER w AS rn,\n         COUNT(*)     OVER (PARTITION BY customer_id) AS order_count\n  FROM orders\n  WINDOW w AS (PARTITION BY customer_id ORDER BY created_at DESC)\n) AS ranked\nWHERE rn = 1;\n```\n\nOne pass over the table, no self-join.",
            ),
        ],
    },
    Conversation {
        topic: "typescript debounce",
        turns: &[
            (
                "Write a typed debounce function in TypeScript.",
                "```typescript\nexport function debounce<A extends unknown[]>(\n  fn: (...args: A) => void,\n  waitMs: number,\n): (...args: A) => void {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  return (...args: A) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), waitMs);\n  };\n}\n```\n\nThe generic `A` keeps the argument types of `fn`, so `debounce(save, 300)(\"x\")` is type-checked.",
            ),
            (
                "Can you add a cancel method?",
                "Return a function object with a `cancel` property:\n\n```typescript\nexport interface Debounced<A extends unknown[]> {\n  (...args: A): void;\n  cancel(): void;\n}\n\nexport function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): Debounced<A> {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  const debounced = ((...args: A) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), waitMs);\n  }) as Debounced<A>;\n  debounced.cancel = () => clearTimeout(timer);\n  return debounced;\n}\n```\n\nCall `cancel()` in your component's cleanup so a pending call never fires after unmount.",
            ),
        ],
    },
];

/// Small `Default Project` traces, as a first `@opik.track` experiment produces them.
pub const HELLO_INPUTS: &[(&str, &str)] = &[
    ("Say hello in French", "Bonjour !"),
    ("Translate 'good morning' to Spanish", "Buenos días"),
    ("What is 17 * 23?", "391"),
    ("Name three primary colours", "Red, yellow and blue."),
    (
        "Summarise: The quick brown fox jumps over the lazy dog.",
        "A fox jumps over a dog.",
    ),
];

/// Documentation snippets the retriever "finds" (title, source path).
pub const DOC_CHUNKS: &[(&str, &str)] = &[
    ("Shipping times by country", "kb/shipping/times.md"),
    ("Returns and refunds", "kb/returns/policy.md"),
    ("Warranty coverage", "kb/warranty/overview.md"),
    (
        "Payment authorisations explained",
        "kb/payments/authorisations.md",
    ),
    ("Account security and locks", "kb/account/security.md"),
    ("Discount code rules", "kb/promotions/codes.md"),
    ("Invoices and VAT", "kb/billing/invoices.md"),
    ("Order changes after checkout", "kb/orders/changes.md"),
];

/// Reviewer comments used on traces and threads.
pub const COMMENTS: &[&str] = &[
    "Answer is correct but should link the returns page.",
    "Tone is good. Checked the tracking number against the carrier: matches.",
    "The agent promised a refund before checking eligibility; flagging for the policy team.",
    "Retrieval pulled the 2023 shipping table, prices are outdated.",
    "Great recovery after the tool timeout.",
    "Customer had to repeat the order number twice; the lookup should run earlier.",
    "Code sample runs as-is on Python 3.12.",
    "The SQLite version note is helpful; consider mentioning MySQL 8 earlier.",
];
