#!/usr/bin/env node
// Regenerates the example workspace in examples/: synthetic table-top scenes rendered
// with sharp (so boxes, contact points and trajectories in the datasets land on real
// objects in the pictures) and small datasets in the formats VLM Lens reads.
// The output is committed; run this only to change the examples.
import sharp from 'sharp';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');

/** Qwen2.5-VL smart_resize (factor 28, min 56*56, max 14*14*4*1280), as in RoboInter's smart_resize_format. */
function smartResize(h, w, factor = 28, minPixels = 56 * 56, maxPixels = 14 * 14 * 4 * 1280) {
  let hBar = Math.max(factor, Math.round(h / factor) * factor);
  let wBar = Math.max(factor, Math.round(w / factor) * factor);
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((h * w) / maxPixels);
    hBar = Math.floor(h / beta / factor) * factor;
    wBar = Math.floor(w / beta / factor) * factor;
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (h * w));
    hBar = Math.ceil((h * beta) / factor) * factor;
    wBar = Math.ceil((w * beta) / factor) * factor;
  }
  return { h: hBar, w: wBar };
}

/** A deterministic scene: a table, a red cup, a blue block and an open gripper. */
function scene(i, W, H) {
  const s = W / 640; // scale so DROID 320x180 and RH20T 640x480 frames look alike
  const cup = { cx: Math.round((360 + 40 * (i % 3)) * s), cy: Math.round(H * 0.62), r: Math.round(42 * s) };
  const block = { x: Math.round((120 + 30 * i) * s), y: Math.round(H * 0.58), w: Math.round(90 * s), h: Math.round(70 * s) };
  const grip = { x: Math.round((250 + 20 * i) * s), y: Math.round(H * 0.12), w: Math.round(70 * s), h: Math.round(80 * s) };
  const boxes = {
    cup: [cup.cx - cup.r, cup.cy - cup.r, cup.cx + cup.r, cup.cy + cup.r],
    block: [block.x, block.y, block.x + block.w, block.y + block.h],
    gripper: [grip.x, grip.y, grip.x + grip.w, grip.y + grip.h],
  };
  // Gripper approaches the cup: 10 waypoints from the gripper centre to the cup rim.
  const start = [grip.x + grip.w / 2, grip.y + grip.h];
  const end = [cup.cx, cup.cy - cup.r];
  const traj = Array.from({ length: 10 }, (_, k) => {
    const t = k / 9;
    return [Math.round(start[0] + (end[0] - start[0]) * t), Math.round(start[1] + (end[1] - start[1]) * t - Math.sin(Math.PI * t) * 30 * s)];
  });
  const contact = [
    [cup.cx - cup.r, cup.cy],
    [cup.cx + cup.r, cup.cy],
  ];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <defs><linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#c9d6df"/><stop offset="1" stop-color="#9fb3c2"/></linearGradient></defs>
    <rect width="${W}" height="${H}" fill="url(#wall)"/>
    <rect y="${Math.round(H * 0.5)}" width="${W}" height="${Math.round(H * 0.5)}" fill="#a0744f"/>
    <rect y="${Math.round(H * 0.5)}" width="${W}" height="${Math.max(2, Math.round(4 * s))}" fill="#6d4c33"/>
    <rect x="${block.x}" y="${block.y}" width="${block.w}" height="${block.h}" fill="#2f6fd0" stroke="#1d4c94" stroke-width="${Math.max(1, 3 * s)}"/>
    <circle cx="${cup.cx}" cy="${cup.cy}" r="${cup.r}" fill="#d23b2f" stroke="#8e2018" stroke-width="${Math.max(1, 3 * s)}"/>
    <ellipse cx="${cup.cx}" cy="${cup.cy - cup.r * 0.35}" rx="${cup.r * 0.6}" ry="${cup.r * 0.25}" fill="#f08a80"/>
    <rect x="${grip.x + grip.w * 0.3}" y="0" width="${grip.w * 0.4}" height="${grip.y + grip.h * 0.3}" fill="#555"/>
    <rect x="${grip.x}" y="${grip.y + grip.h * 0.3}" width="${grip.w}" height="${grip.h * 0.25}" fill="#777"/>
    <rect x="${grip.x}" y="${grip.y + grip.h * 0.55}" width="${grip.w * 0.2}" height="${grip.h * 0.45}" fill="#888"/>
    <rect x="${grip.x + grip.w * 0.8}" y="${grip.y + grip.h * 0.55}" width="${grip.w * 0.2}" height="${grip.h * 0.45}" fill="#888"/>
  </svg>`;
  return { svg, boxes, traj, contact };
}

async function writeScene(rel, i, W, H) {
  const sc = scene(i, W, H);
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  await sharp(Buffer.from(sc.svg)).jpeg({ quality: 82 }).toFile(file);
  return sc;
}

const toPairs = (b) => [[b[0], b[1]], [b[2], b[3]]];
const scaleBox = (b, fx, fy) => [Math.trunc(b[0] * fx), Math.trunc(b[1] * fy), Math.trunc(b[2] * fx), Math.trunc(b[3] * fy)];
const norm1000 = (b, W, H) => [Math.round((b[0] / W) * 1000), Math.round((b[1] / H) * 1000), Math.round((b[2] / W) * 1000), Math.round((b[3] / H) * 1000)];
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

rmSync(join(root, 'images'), { recursive: true, force: true });
rmSync(join(root, 'datasets'), { recursive: true, force: true });

// ---- Images ---------------------------------------------------------------------------
const droid = [];
const rh20t = [];
for (let i = 0; i < 3; i++) droid.push(await writeScene(`images/droid/droid_val_00000${i + 1}.jpg`, i, 320, 180));
for (let i = 0; i < 3; i++) rh20t.push(await writeScene(`images/rh20t/rh20t_scene_000${i + 1}.jpg`, i, 640, 480));

// ---- LLaVA / InternVL / Qwen2-VL grounding (JSONL, paths under the image root) ---------
mkdirSync(join(root, 'datasets'), { recursive: true });
const [, b, c] = rh20t;
writeFileSync(
  join(root, 'datasets/llava_grounding.jsonl'),
  jsonl([
    {
      id: 'llava-0001',
      image: 'rh20t/rh20t_scene_0001.jpg',
      conversations: [
        { from: 'human', value: '<image>\nDescribe the scene for a robot that must put the block next to the cup.' },
        { from: 'gpt', value: 'A red cup stands on a wooden table to the right of a blue block. An open two-finger gripper hovers above, between them.' },
      ],
    },
    {
      id: 'qwen2vl-0002',
      image: 'rh20t/rh20t_scene_0002.jpg',
      conversations: [
        { from: 'human', value: '<image>\nFind the red cup.' },
        { from: 'gpt', value: `<|object_ref_start|>the red cup<|object_ref_end|><|box_start|>(${norm1000(b.boxes.cup, 640, 480).slice(0, 2).join(',')}),(${norm1000(b.boxes.cup, 640, 480).slice(2).join(',')})<|box_end|>` },
      ],
    },
    {
      id: 'internvl-0003',
      image: 'rh20t/rh20t_scene_0003.jpg',
      width: 640,
      height: 480,
      conversations: [
        { from: 'human', value: '<image>\nPlease provide the bounding box coordinate of the region this sentence describes: <ref>blue block</ref>' },
        { from: 'gpt', value: `<ref>blue block</ref><box>[[${norm1000(c.boxes.block, 640, 480).join(', ')}]]</box>` },
      ],
    },
    {
      id: 'llava-0004',
      image: ['rh20t/rh20t_scene_0001.jpg', 'rh20t/rh20t_scene_0002.jpg'],
      conversations: [
        { from: 'human', value: '<image>\n<image>\nWhat changed between the two frames?' },
        { from: 'gpt', value: 'The gripper moved right and the cup moved closer to the edge of the table.' },
        { from: 'human', value: 'Is the gripper holding anything?' },
        { from: 'gpt', value: '<think>The fingers are open and nothing is between them.</think><answer>No.</answer>' },
      ],
    },
    {
      id: 'llava-0005-missing-image',
      image: 'rh20t/does_not_exist.jpg',
      conversations: [
        { from: 'human', value: '<image>\nWhat is on the table?' },
        { from: 'gpt', value: 'A cup and a block.' },
      ],
    },
  ]),
);

// ---- RoboInter Generation (JSON array, smart_resize_format, `images` relative to the data root)
const contactBox = [];
const traj = [];
for (const [k, sc] of droid.entries()) {
  const { h: newH, w: newW } = smartResize(180, 320);
  const fx = newW / 320;
  const fy = newH / 180;
  contactBox.push({
    id: `droid_val_00000${k + 1}`,
    task: 'contact_box',
    conversations: [
      { from: 'human', value: "<image>\nThe task is 'put the marker in the cup'. Predict the bounding box of the gripper when it contacts the object." },
      { from: 'gpt', value: JSON.stringify({ contact_bbox: toPairs(scaleBox(sc.boxes.cup, fx, fy)) }) },
    ],
    images: `droid/droid_val_00000${k + 1}.jpg`,
    gt: JSON.stringify(toPairs(sc.boxes.cup)),
    h: 180,
    w: 320,
    new_h: newH,
    new_w: newW,
  });
}
for (const [k, sc] of rh20t.entries()) {
  const { h: newH, w: newW } = smartResize(480, 640);
  const fx = newW / 640;
  const fy = newH / 480;
  traj.push({
    id: `RH20T_cfg7_task_0210_user_0066_scene_000${k + 1}_traj`,
    task: 'traj',
    conversations: [
      {
        from: 'human',
        value: `<image>\nThe task is 'pick up the red cup'. The gripper starts at (${Math.trunc(sc.traj[0][0] * fx)}, ${Math.trunc(sc.traj[0][1] * fy)}). Predict the next 10 trajectory waypoints of the gripper.`,
      },
      { from: 'gpt', value: JSON.stringify({ future_traj: sc.traj.map(([x, y]) => [Math.trunc(x * fx), Math.trunc(y * fy)]) }) },
    ],
    images: `rh20t/rh20t_scene_000${k + 1}.jpg`,
    h: 480,
    w: 640,
    new_h: newH,
    new_w: newW,
  });
}
mkdirSync(join(root, 'datasets/robointer'), { recursive: true });
writeFileSync(join(root, 'datasets/robointer/full_single_multi_contact_obj_contact_box_qa.json'), JSON.stringify(contactBox, null, 2) + '\n');
writeFileSync(join(root, 'datasets/robointer/full_single_multi_contact_obj_traj_qa.json'), JSON.stringify(traj, null, 2) + '\n');
writeFileSync(
  join(root, 'datasets/robointer/full_single_multi_contact_obj_contact_point_qa.json'),
  JSON.stringify(
    droid.map((sc, k) => ({
      id: `droid_val_cp_00000${k + 1}`,
      task: 'contact_point',
      conversations: [
        { from: 'human', value: "<image>\nThe task is 'grasp the cup'. Predict the two contact points of the gripper fingers." },
        { from: 'gpt', value: JSON.stringify({ contact_point: sc.contact.map(([x, y]) => [Math.round(x / 320 * 100) / 100, Math.round(y / 180 * 100) / 100]) }) },
      ],
      images: [`droid/droid_val_00000${k + 1}.jpg`],
    })),
    null,
    2,
  ) + '\n',
);

// ---- Qwen messages with content parts (Qwen2.5-VL JSON boxes, absolute on the smart-resized frame)
{
  const { h: newH, w: newW } = smartResize(480, 640);
  writeFileSync(
    join(root, 'datasets/qwen25_messages.jsonl'),
    jsonl(
      rh20t.map((sc, k) => ({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', image: `../images/rh20t/rh20t_scene_000${k + 1}.jpg` },
              { type: 'text', text: 'Locate every object on the table and output bbox coordinates in JSON format.' },
            ],
          },
          {
            role: 'assistant',
            content: [
              {
                type: 'text',
                text:
                  '```json\n' +
                  JSON.stringify(
                    [
                      { bbox_2d: scaleBox(sc.boxes.cup, newW / 640, newH / 480), label: 'red cup' },
                      { bbox_2d: scaleBox(sc.boxes.block, newW / 640, newH / 480), label: 'blue block' },
                    ],
                    null,
                    2,
                  ) +
                  '\n```',
              },
            ],
          },
        ],
      })),
    ),
  );
}

// ---- Workspace settings: where the JSONL image paths are rooted --------------------------
mkdirSync(join(root, '.vscode'), { recursive: true });
writeFileSync(
  join(root, '.vscode/settings.json'),
  JSON.stringify({ 'vlmLens.imageRoots': ['images'] }, null, 2) + '\n',
);

// ---- Checkpoints: folders that look like what HF Trainer / LLaMA-Factory save -------------
rmSync(join(root, 'checkpoints'), { recursive: true, force: true });
for (const step of [100, 200]) {
  const dir = join(root, `checkpoints/checkpoint-${step}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['Qwen2_5_VLForConditionalGeneration'], model_type: 'qwen2_5_vl' }, null, 2) + '\n');
  writeFileSync(
    join(dir, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'], base_model_name_or_path: 'Qwen/Qwen2.5-VL-3B-Instruct' }, null, 2) + '\n',
  );
  // A valid, empty safetensors file: 8-byte little-endian header length, then the JSON header.
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt', note: 'example placeholder, no weights' } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, 'adapter_model.safetensors'), Buffer.concat([len, header]));
  writeFileSync(
    join(dir, 'trainer_state.json'),
    JSON.stringify(
      {
        global_step: step,
        max_steps: 200,
        epoch: step / 200,
        log_history: Array.from({ length: step / 20 }, (_, k) => ({ epoch: ((k + 1) * 20) / 200, learning_rate: 1e-5 * (1 - (k * 20) / 200), loss: Math.round((2.2 * Math.exp(-k / 4) + 0.3) * 1000) / 1000, step: (k + 1) * 20 })),
      },
      null,
      2,
    ) + '\n',
  );
}
console.log('examples regenerated in', root);
