// Staff chat: stream the answer as it is written (server-sent events over fetch).
// Without JavaScript the form posts normally and the page shows the whole answer.
(function () {
  const form = document.querySelector("form[data-stream]");
  if (!form || !window.fetch || !window.TextDecoder) return;
  const region = document.getElementById("live-answer");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const question = form.querySelector("textarea").value.trim();
    if (!question) return;
    const button = form.querySelector("button");
    button.disabled = true;
    region.hidden = false;
    region.querySelector(".answer-text").textContent = "";
    region.querySelector(".citations").innerHTML = "";
    region.querySelector(".status").textContent = "Söker i källorna …";
    try {
      const response = await fetch(form.dataset.stream, {
        method: "POST",
        headers: {"content-type": "application/json",
                  "x-csrf-token": form.querySelector("[name=csrf_token]").value},
        body: JSON.stringify({question: question}),
      });
      if (!response.ok) throw new Error((await response.json()).error.message);
      await read(response.body.getReader());
    } catch (error) {
      region.querySelector(".status").textContent = "Fel: " + error.message;
    } finally {
      button.disabled = false;
    }
  });

  async function read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (line.startsWith("data: ")) show(JSON.parse(line.slice(6)));
      }
    }
  }

  function showCitations(citations) {
    const list = region.querySelector(".citations");
    list.innerHTML = "";
    citations.forEach(function (c) {
      const item = document.createElement("li");
      const title = document.createElement("strong");
      title.textContent = c.title + (c.heading_path.length > 1 ? " – " + c.heading_path.slice(1).join(" › ") : "");
      const quote = document.createElement("blockquote");
      quote.textContent = c.text;
      item.append(title, quote);
      list.append(item);
    });
  }

  function show(event) {
    const status = region.querySelector(".status");
    if (event.event === "sources") {
      showCitations(event.citations);
      status.textContent = "Skriver svar …";
    } else if (event.event === "delta") {
      region.querySelector(".answer-text").textContent += event.text;
    } else if (event.event === "cited") {
      // The final answer: names restored where the model saw pseudonyms, and only the
      // passages it cited, numbered as in the text.
      region.querySelector(".answer-text").textContent = event.answer;
      showCitations(event.citations);
    } else if (event.event === "error") {
      status.textContent = "Fel: " + event.message;
    } else if (event.event === "done") {
      status.textContent = "Klart. Svars-id: " + event.run_id + ". ";
      if (event.provenance_url) {
        const link = document.createElement("a");
        link.href = event.provenance_url;
        link.textContent = "Hur skapades svaret?";
        status.append(link);
      }
    }
  }
})();
