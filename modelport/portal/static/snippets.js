// Ready-to-run code for a deployment, per client (see docs/wire-contracts.md for what each sends).
export const AZURE_API_VERSION = "2024-05-01-preview";
const PROMPT = "Say hello in five words.";

const py = (s) => JSON.stringify(s); // a JSON string literal is a valid Python string literal
const shellQuote = (s) => `'${s.replace(/'/g, "'\\''")}'`;

export function snippets({ url, key, model }) {
  const body = JSON.stringify({ model, messages: [{ role: "user", content: PROMPT }], max_tokens: 32 });
  return [
    {
      id: "openai", title: "Python: openai", install: "pip install openai", lang: "python",
      code: `from openai import OpenAI

client = OpenAI(base_url=${py(url)}, api_key=${py(key)})
response = client.chat.completions.create(
    model=${py(model)},
    messages=[{"role": "user", "content": ${py(PROMPT)}}],
    max_tokens=32,
)
print(response.choices[0].message.content)
print(response.usage)
`,
    },
    {
      id: "azure", title: "Python: azure-ai-inference", install: "pip install azure-ai-inference", lang: "python",
      code: `from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(endpoint=${py(url)}, credential=AzureKeyCredential(${py(key)}))
response = client.complete(messages=[UserMessage(content=${py(PROMPT)})], max_tokens=32)
print(response.choices[0].message.content)
print(response.usage)
`,
    },
    {
      id: "ai21", title: "Python: ai21", install: "pip install ai21", lang: "python",
      code: `from ai21 import AI21AzureClient
from ai21.models.chat import ChatMessage

client = AI21AzureClient(base_url=${py(url)}, api_key=${py(key)})
response = client.chat.completions.create(
    model=${py(model)},
    messages=[ChatMessage(role="user", content=${py(PROMPT)})],
    max_tokens=32,
)
print(response.choices[0].message.content)
print(response.usage)
`,
    },
    {
      id: "curl", title: "curl", install: null, lang: "shell",
      code: `curl -sS ${shellQuote(`${url}/chat/completions?api-version=${AZURE_API_VERSION}`)} \\
  -H 'Content-Type: application/json' \\
  -H ${shellQuote(`api-key: ${key}`)} \\
  -d ${shellQuote(body)}
`,
    },
  ];
}
