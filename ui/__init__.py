"""The web chat: a thin Gradio shell that renders Answers and never computes one."""
